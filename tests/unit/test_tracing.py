"""Tracing: on in Lambda (powertools' Tracer wraps every handler), off elsewhere without loading X-Ray.

Each case runs in a fresh interpreter: the Tracer patches boto3 for the whole process when it is made.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CHECK = """
import sys
from mall.observability import traced

def handler(event, context):
    return "ok"

wrapped = traced(handler)
print(wrapped is handler, "aws_xray_sdk" in sys.modules)
"""


def run(**env: str) -> tuple[bool, bool]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "POWERTOOLS_", "LAMBDA_"))}
    done = subprocess.run(
        [sys.executable, "-c", CHECK],
        env={**base, "PYTHONPATH": str(ROOT / "shared"), "AWS_DEFAULT_REGION": "us-east-1", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    untouched, xray_loaded = done.stdout.split()
    return untouched == "True", xray_loaded == "True"


def test_outside_lambda_the_handler_is_untouched_and_xray_never_imported() -> None:
    assert run() == (True, False)
    assert run(LAMBDA_TASK_ROOT="/var/task", POWERTOOLS_TRACE_DISABLED="true") == (True, False)


def test_in_lambda_the_handler_is_traced() -> None:
    assert run(LAMBDA_TASK_ROOT="/var/task") == (False, True)
