"""Validation against published results (DESIGN section 10): one registry of checks.

Each check is defined once (registry): its experiment (arms = bundled scenarios with
overrides, run with the same replicate seeds), the per-run measurement (measurements),
the statistics it reports with their 95 % confidence intervals and the tolerance each must
meet (definitions). `rongtong validate` runs them all (running) and writes the report
(report); sim.views.validation_figures draws each check's figure. tests/test_validation.py
runs the same definitions at fewer replicates.
"""

from sim.scenario import load_scenario
from sim.studies.validation.definitions import (
    DEFAULT_REPS,
    FIGURES,
    LEVEL,
    SCENARIO_DIR,
    Arm,
    ArmBars,
    Check,
    Finding,
    Statistic,
    Tolerance,
    difference,
    mean,
    ratio,
    ratio_difference,
)
from sim.studies.validation.measurements import (
    TIERS,
    bullwhip_window,
    measure_acquisitions,
    measure_amplification,
    measure_bullwhip,
    measure_customer_losses,
    measure_employment_by_tier,
    measure_firm_sizes,
    measure_sme_exits,
    zipf_exponent,
)
from sim.studies.validation.registry import CHECKS, register
from sim.studies.validation.report import (
    arm_file,
    markdown_table,
    model_cell,
    rich_table,
    runs_frame,
    table_frame,
    write_report,
)
from sim.studies.validation.running import (
    CheckResult,
    ValidationRun,
    ValidationTask,
    evaluate,
    execute_task,
    plan,
    run_validation,
    select_checks,
    wide_table,
)

__all__ = [
    "CHECKS", "DEFAULT_REPS", "FIGURES", "LEVEL", "SCENARIO_DIR", "TIERS", "Arm", "ArmBars",
    "Check", "CheckResult", "Finding", "Statistic", "Tolerance", "ValidationRun",
    "ValidationTask", "arm_file", "bullwhip_window", "difference", "evaluate", "execute_task",
    "load_scenario", "markdown_table", "mean", "measure_acquisitions", "measure_amplification",
    "measure_bullwhip", "measure_customer_losses", "measure_employment_by_tier",
    "measure_firm_sizes", "measure_sme_exits", "model_cell", "plan", "ratio",
    "ratio_difference", "register", "rich_table", "run_validation", "runs_frame",
    "select_checks", "table_frame", "wide_table", "write_report", "zipf_exponent",
]  # fmt: skip
