"""A request that records no metric logs no powertools warning (most requests record none)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
from mall.observability import metrics
metrics.log_metrics(lambda event, context: "ok")({}, None)
print("flushed")
"""


def _flush_in_fresh_process(**env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-W", "default", "-c", SCRIPT],
        env={**os.environ, "PYTHONPATH": str(ROOT / "shared"), **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )


def test_empty_metrics_flush_is_silent_when_disabled_locally() -> None:
    run = _flush_in_fresh_process(POWERTOOLS_METRICS_DISABLED="true")
    assert "flushed" in run.stdout
    assert "No application metrics" not in run.stderr, run.stderr


def test_empty_metrics_flush_is_silent_deployed_too() -> None:
    run = _flush_in_fresh_process(POWERTOOLS_METRICS_DISABLED="false")
    assert "No application metrics" not in run.stderr, run.stderr
