"""The dashboard in a real browser: `rongtong dashboard` served on a free loopback port,
driven by headless Chromium (Debian's package, never a downloaded browser).

A student picks the foreign cut-off scenario, moves a lever, steps the model and sees
the output chart change; typed nonsense is refused with a message and the page keeps
working. The test leaves a screenshot of the page mid cut-off in results/dashboard/.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOT = ROOT / "results" / "dashboard" / "foreign_cutoff.png"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    for candidate in ("/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def dashboard_url(tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp("dashboard") / "server.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "sim.cli", "dashboard", "--port", str(port)],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 40
        while True:
            if server.poll() is not None:
                pytest.fail(
                    f"dashboard exited with {server.returncode}:\n{log.read_text()[-3000:]}"
                )
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"dashboard did not answer within 40 s:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


@pytest.fixture(scope="module")
def page(dashboard_url, tmp_path_factory):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    browser_path = chromium_path()
    if browser_path is None:
        pytest.skip("no Chromium here (install Debian's `chromium` package; .ci/run does)")
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_api.sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile),
            executable_path=browser_path,
            args=CHROMIUM_FLAGS,
            headless=True,
            viewport={"width": 1500, "height": 2300},
        )
        try:
            tab = context.new_page()
            tab.set_default_timeout(20_000)
            sync_api.expect.set_options(timeout=20_000)  # a loaded 2-core machine draws slowly
            tab.goto(dashboard_url)
            tab.locator(".rt-output-chart img").wait_for()
            yield tab
        finally:
            context.close()


def month_shown(page) -> str:
    return page.locator(".rt-month").inner_text()


def month_number(page) -> int:
    return int(month_shown(page).split()[1])


def wait_for_month(page, month: int) -> None:
    page.locator(".rt-month", has_text=f"month {month} of").wait_for()


def output_chart_pixels(page) -> bytes:
    return page.locator(".rt-output-chart img").screenshot()


def test_lever_then_step_changes_the_output_chart(page):
    # controls carry the Chinese policy term beside the English name, and units
    assert page.get_by_text("Standardization 标准化/统一接口").is_visible()
    assert page.get_by_text("Matching platform 需求发布—能力对答").is_visible()

    page.locator(".v-select", has_text="scenario file").click()
    page.get_by_role("option", name="foreign_cutoff").click()
    page.locator(".rt-shock").get_by_text("Foreign cut-off 海外断供").wait_for()

    # move the standardization slider to about 80 % of its track
    slider = page.locator(".rt-control-standardization .v-slider").first
    box = slider.bounding_box()
    slider.click(position={"x": box["width"] * 0.8, "y": box["height"] / 2})
    typed_box = page.get_by_label("Standardization value")
    page.wait_for_function(
        "el => parseFloat(el.value) > 0.5", arg=typed_box.element_handle(), timeout=10_000
    )
    wait_for_month(page, 0)

    before = output_chart_pixels(page)
    page.get_by_role("button", name="Step").click()
    wait_for_month(page, 1)
    deadline = time.monotonic() + 15
    while (after := output_chart_pixels(page)) == before and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    assert after != before, "stepping the model must redraw the output chart"


def test_bad_values_are_refused_with_a_message(page):
    month = month_shown(page)
    number = month_number(page)
    box = page.get_by_label("Standardization value")
    box.fill("2")
    box.press("Enter")
    page.locator(".rt-error", has_text="must be in [0, 1]").wait_for()
    seed = page.get_by_label("Seed value")
    seed.fill("abc")
    seed.press("Enter")
    page.locator(".rt-error", has_text="expected a number").wait_for()
    assert month_shown(page) == month, "a refused value must not restart the run"
    # the page still works
    page.get_by_role("button", name="Step").click()
    wait_for_month(page, number + 1)


def test_run_plays_until_paused(page):
    first = month_number(page)
    page.get_by_role("button", name="Run").click()
    page.wait_for_function(
        "n => { const el = document.querySelector('.rt-month');"
        " return el !== null && parseInt(el.innerText.split(' ')[1]) >= n; }",
        arg=first + 3,
    )
    from playwright.sync_api import expect

    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_role("button", name="Run")).to_be_enabled()
    # a step under way when Pause was pressed may still be drawn: wait for the count to settle
    # (were Run still playing, it would climb for another 40 s and this would time out)
    deadline = time.monotonic() + 20
    paused = month_number(page)
    while True:
        page.wait_for_timeout(1000)
        now = month_number(page)
        if now == paused:
            break
        assert time.monotonic() < deadline, "the month kept climbing after Pause"
        paused = now
    page.wait_for_timeout(2000)
    assert month_number(page) == paused, "the model must stop stepping when paused"
    assert paused < 120, "Run must not have raced to the horizon"


def test_screenshot_during_a_foreign_cutoff(page):
    page.get_by_role("button", name="Reset").click()
    wait_for_month(page, 0)
    page.get_by_role("button", name="6").click()
    for month in (6, 12, 18, 24, 30):
        page.get_by_role("button", name="Step").click()
        wait_for_month(page, month)
    # the cut-off started at month 24: the outcome table now measures a loss
    from playwright.sync_api import expect

    loss = page.locator(".rt-table tr", has_text="output_loss_pct").locator("td").nth(1)
    expect(loss).to_have_text(re.compile(r"^[0-9.,]+$"))
    assert float(loss.inner_text().replace(",", "")) > 0
    page.wait_for_timeout(500)
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    assert SCREENSHOT.stat().st_size > 10_000
