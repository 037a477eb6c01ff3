"""The golden results: fingerprints of runs that a refactor must keep bit-identical.

Each case is a scenario and a seed. Its fingerprint holds, for the shocked run and its paired
counterfactual, a SHA-256 digest of every recorded series, of the technology deals and of the
supply-link table at the end of the run, plus every run-level outcome as an exact float
(written with `float.hex`, so nothing is rounded). A change that moves any number changes a
digest; the outcomes say by how much.

Bit-identity holds on one machine: numpy picks its vectorized exp/log/sum kernels by CPU, and
two CPUs can differ in the last bit. So the file records the machine it was written on, and
every case also carries exact per-column sums. On the recording machine the test compares every
digest bit for bit; elsewhere (a CI runner with another CPU) it compares the column sums and
outcomes to 1e-9 relative: far below any change of a rule, far above last-bit noise
(measured across two CPUs: at most 4e-14).

The cases: every bundled scenario at two seeds, a 10k-firm ecosystem, and a high-churn run
(volatile overheads and quick entry, so exits, entries and re-sourcing happen every month).

A model change that moves results on purpose regenerates the file in the same commit, and the
commit message says what moved and why:

    .venv/bin/python tests/golden.py            # rewrite tests/golden.json
    .venv/bin/python tests/golden.py --check    # compare, print what differs
"""

from __future__ import annotations

import hashlib
import json
import math
import platform
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import sim
from sim.scenario import scaled_parameters

TESTS = Path(__file__).parent
SCENARIOS = TESTS.parent / "scenarios"
GOLDEN_FILE = TESTS / "golden.json"
SEEDS = (0, 7)
FRAMES = ("timeseries", "counterfactual", "deals", "links")
RTOL = 1e-9


def machine() -> str:
    """What decides the last bit of numpy's results: versions, architecture, SIMD kernels."""
    import scipy

    simd = sorted(np._core._multiarray_umath.__cpu_features__.items())
    found = ",".join(name for name, on in simd if on)
    return f"numpy {np.__version__} scipy {scipy.__version__} {platform.machine()} [{found}]"


def frame_digest(frame: pd.DataFrame | None) -> str:
    """A digest of a frame's column names, dtypes and exact values (bytes, not printed digits)."""
    h = hashlib.sha256()
    if frame is None:
        return "none"
    h.update(repr(list(frame.columns)).encode())
    h.update(repr(len(frame)).encode())
    for name in frame.columns:
        column = frame[name]
        h.update(f"{name}:{column.dtype}".encode())
        values = column.to_numpy()
        if values.dtype.kind in "biufc":
            h.update(np.ascontiguousarray(values).tobytes())
        else:
            h.update(repr(values.tolist()).encode())
    return h.hexdigest()


def column_sums(frame: pd.DataFrame | None) -> dict[str, list[str]]:
    """Per numeric column: the sum, the sum of magnitudes, and the row-weighted sum (which
    sees rows swapped); exact hex floats, compared with a relative tolerance off the
    recording machine."""
    if frame is None:
        return {}
    sums: dict[str, list[str]] = {}
    weights = np.arange(1, len(frame) + 1, dtype=float) / max(len(frame), 1)
    for name in frame.columns:
        values = frame[name].to_numpy()
        if values.dtype.kind not in "biuf":
            continue
        v = np.nan_to_num(values.astype(float), nan=0.0, posinf=0.0, neginf=0.0)
        sums[str(name)] = [_encode(v.sum()), _encode(np.abs(v).sum()), _encode(v @ weights)]
    return sums


def link_table(model: sim.EcosystemModel) -> pd.DataFrame:
    """The supply links at the end of a run: buyer slot, seller, sourcing weight, trade-credit state."""
    net = model.network
    columns: dict[str, Any] = {
        "slot": net.link_slot.copy(),
        "seller": net.link_seller.copy(),
        "weight": net.link_weight.copy(),
        "slot_firm": net.slot_firm.copy()[net.link_slot],
        "slot_product": net.slot_product.copy()[net.link_slot],
    }
    for name in sorted(net.link_state):
        value = np.asarray(net.link_state[name])
        columns[f"state_{name}"] = [row.tobytes().hex() for row in value.reshape(len(value), -1)]
    return pd.DataFrame(columns)


def _encode(value: float) -> str:
    value = float(value)
    return "nan" if math.isnan(value) else value.hex()


def fingerprint(scn: sim.Scenario, seed: int) -> dict[str, Any]:
    """Every number a run produces, reduced to digests and exact outcomes."""
    model = sim.EcosystemModel(scn, rng=seed)
    model.run()
    links = link_table(model)
    model.release()
    res = sim.run_scenario(scn, seed=seed)
    frames = {
        "timeseries": res.timeseries,
        "counterfactual": res.counterfactual,
        "deals": res.deals,
        "links": links,
    }
    return {
        **{key: frame_digest(frame) for key, frame in frames.items()},
        "sums": {key: column_sums(frame) for key, frame in frames.items()},
        "outcomes": {k: _encode(v) for k, v in sorted(res.outcomes.items())},
    }


def _scaled(n_firms: int, **params: Any) -> sim.Scenario:
    """The baseline ecosystem scaled to about `n_firms` (as benchmarks/bench_scale.py does)."""
    return sim.scenario_from_flat(**scaled_parameters(n_firms), **params)


def cases() -> Iterator[tuple[str, Callable[[], sim.Scenario], int]]:
    """(case name, scenario builder, seed) for every golden case."""
    for path in sorted(SCENARIOS.glob("*.yaml")):
        for seed in SEEDS:
            yield f"{path.stem}@{seed}", (lambda p=path: sim.load_scenario(p)), seed
    yield (
        "large_10k@3",
        lambda: _scaled(
            10_000,
            steps=60,
            shocks=[{"type": "supplier_disruption", "start": 12, "duration": 6}],
        ),
        3,
    )
    yield (
        "high_churn@5",
        lambda: sim.scenario_from_flat(
            steps=96,
            overhead_sigma=0.25,
            entry_rate=0.5,
            shocks=[{"type": "demand_shock", "start": 24, "duration": 12}],
        ),
        5,
    )


def compute() -> dict[str, dict[str, Any]]:
    return {name: fingerprint(build(), seed) for name, build, seed in cases()}


def _decode(v: str | None) -> float | None:
    return None if v is None else math.nan if v == "nan" else float.fromhex(v)


def _close(a: float | None, b: float | None, exact: bool) -> bool:
    if a is None or b is None or math.isnan(a) or math.isnan(b):
        return a is b or (a is not None and b is not None and math.isnan(a) and math.isnan(b))
    return a == b if exact else abs(a - b) <= RTOL * max(abs(a), abs(b)) + 1e-300


def differences(expected: dict[str, Any], got: dict[str, Any], exact: bool = True) -> list[str]:
    """What differs between two fingerprints, one line each (outcomes with their values).

    `exact` compares digests and outcomes bit for bit (same machine); otherwise column sums
    and outcomes to RTOL."""
    lines = []
    if exact:
        lines += [f"{key} digest differs" for key in FRAMES if expected.get(key) != got.get(key)]
    else:
        for key in FRAMES:
            exp_sums, got_sums = expected["sums"][key], got["sums"][key]
            if sorted(exp_sums) != sorted(got_sums):
                lines.append(f"{key} columns differ")
                continue
            for col, triple in sorted(exp_sums.items()):
                now = got_sums[col]
                if not all(
                    _close(_decode(a), _decode(b), False) for a, b in zip(triple, now, strict=True)
                ):
                    lines.append(f"{key}.{col} sums: golden {triple}, now {now}")
    exp_out, got_out = expected.get("outcomes", {}), got.get("outcomes", {})
    for name in sorted(set(exp_out) | set(got_out)):
        a, b = _decode(exp_out.get(name)), _decode(got_out.get(name))
        if not _close(a, b, exact):
            show = ["missing" if v is None else v for v in (a, b)]
            lines.append(f"outcome {name}: golden {show[0]!r}, now {show[1]!r}")
    return lines


def load() -> dict[str, Any]:
    """{"machine": where it was recorded, "cases": {name: fingerprint}}."""
    return json.loads(GOLDEN_FILE.read_text())


def main(argv: list[str]) -> int:
    got = compute()
    if "--check" in argv:
        golden = load()
        exact = golden["machine"] == machine()
        expected = golden["cases"]
        bad = 0
        for name in sorted(set(expected) | set(got)):
            if name not in expected or name not in got:
                bad += 1
                print(f"{name}: {'missing now' if name not in got else 'not recorded'}")
                continue
            diff = differences(expected[name], got[name], exact)
            if diff:
                bad += 1
                print(f"{name}:", *diff, sep="\n  ")
        how = "bit-identical" if exact else f"equal to {RTOL:g} (recorded on another machine)"
        print(f"{len(got) - bad} of {len(got)} cases {how}")
        return 1 if bad else 0
    record = {"machine": machine(), "cases": got}
    GOLDEN_FILE.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")
    print(f"wrote {GOLDEN_FILE} ({len(got)} cases)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
