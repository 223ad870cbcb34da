"""Cold-start import time of every function against a bare boto3 handler, in fresh interpreters.

Each function's module is imported in a new process with that function's environment, as Lambda's init
phase does; the baseline imports boto3 and creates a DynamoDB client, the least any of these functions
does.  CPU time of the import (a shared machine's other work does not count), median of several
interleaved rounds, after one round that fills the bytecode caches.

Only what the layer ships can be imported: packages installed here for the tests alone (moto brings
``cryptography``, which PyJWT would load if it found it) are hidden, as they are absent on Lambda.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import statistics
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from local_stack import REPO_ROOT
from local_stack.template import StackTemplate
from tests.bench.progress import Progress

# Packages the layer does not ship cannot be imported (a None entry in sys.modules makes an import fail).
HIDE_DEV_PACKAGES = """
import json, os, sys
for name in json.loads(os.environ.pop("BENCH_NOT_IN_LAYER", "[]")):
    sys.modules[name] = None
"""

# As Lambda's runtime does: the code directory first on the path, the handler's module imported by name.
IMPORT_HANDLER = (
    HIDE_DEV_PACKAGES
    + """
import importlib, sys, time
sys.path.insert(0, ".")
started = time.process_time()
importlib.import_module("{module}")
print(time.process_time() - started)
"""
)

BARE_BOTO3 = (
    HIDE_DEV_PACKAGES
    + """
import time
started = time.process_time()
import boto3
client = boto3.client("dynamodb")
print(time.process_time() - started)
"""
)

# What Tracing: Active adds on Lambda (the local stack and this benchmark run with tracing off): the
# X-Ray SDK, which builds a boto3 client for X-Ray as it is imported, on top of a handler's own imports.
XRAY_ON_TOP = (
    HIDE_DEV_PACKAGES
    + """
import time
import boto3, pydantic, aws_lambda_powertools.event_handler
started = time.process_time()
import aws_xray_sdk.core
print(time.process_time() - started)
"""
)

BASELINE = "bare boto3 handler"
XRAY = "X-Ray SDK (tracing on)"


def _seconds(code: str, cwd: Path, env: Mapping[str, str], importtime: bool = False) -> tuple[float, str]:
    command = [sys.executable, *(["-X", "importtime"] if importtime else []), "-c", code]
    done = subprocess.run(command, cwd=cwd, env=dict(env), capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"importing in {cwd} failed:\n{done.stderr[-3000:]}")
    return float(done.stdout.strip().splitlines()[-1]), done.stderr


def not_in_layer(lock: Path = REPO_ROOT / "requirements.txt") -> list[str]:
    """Top-level modules installed here whose distributions the runtime lock (the layer) does not list."""
    pinned = {_normal(line.split("==")[0]) for line in lock.read_text().splitlines() if "==" in line}
    return sorted(
        module
        for module, distributions in importlib.metadata.packages_distributions().items()
        if not module.startswith("_") and not any(_normal(d) in pinned for d in distributions)
    )


def _normal(distribution: str) -> str:
    return distribution.strip().lower().replace("_", "-")


def import_times(
    template: StackTemplate, envs: Mapping[str, Mapping[str, str]], rounds: int = 5
) -> dict[str, Any]:
    """Median import seconds per function and its ratio to the bare boto3 handler."""
    python_path = os.pathsep.join(str(p) for p in (*template.layer_dirs, REPO_ROOT))
    hidden = {"BENCH_NOT_IN_LAYER": json.dumps(not_in_layer())}
    jobs: dict[str, tuple[str, Path, dict[str, str]]] = {}
    any_env = next(iter(envs.values()))
    jobs[BASELINE] = (BARE_BOTO3, REPO_ROOT, {"PATH": os.environ.get("PATH", ""), **any_env, **hidden})
    jobs[XRAY] = (XRAY_ON_TOP, REPO_ROOT, {"PATH": os.environ.get("PATH", ""), **any_env, **hidden})
    for fn in template.functions:
        env = {"PATH": os.environ.get("PATH", ""), **envs[fn.logical_id], "PYTHONPATH": python_path, **hidden}
        jobs[fn.logical_id] = (IMPORT_HANDLER.format(module=fn.module), fn.code_dir, env)
    samples: dict[str, list[float]] = {name: [] for name in jobs}
    with Progress("import times (fresh processes)", (rounds + 1) * len(jobs)) as bar:
        for round_number in range(rounds + 1):
            for name, (code, cwd, env) in jobs.items():
                seconds, _ = _seconds(code, cwd, env)
                if round_number:  # the first round only fills the bytecode caches
                    samples[name].append(seconds)
                bar.advance()
    medians = {name: statistics.median(values) for name, values in samples.items()}
    baseline = medians[BASELINE]
    functions = {
        name: {"ms": round(seconds * 1000, 1), "ratio": round(seconds / baseline, 2)}
        for name, seconds in sorted(medians.items(), key=lambda kv: -kv[1])
        if name not in (BASELINE, XRAY)
    }
    worst = next(iter(functions))
    code, cwd, env = jobs[worst]
    _, trace = _seconds(code, cwd, env, importtime=True)
    return {
        "baseline_ms": round(baseline * 1000, 1),
        "xray_on_top_ms": round(medians[XRAY] * 1000, 1),
        "functions": functions,
        "worst": worst,
        "worst_top_imports": _top_imports(trace),
    }


def _top_imports(trace: str, count: int = 8) -> list[dict[str, Any]]:
    """The heaviest top-level packages by cumulative import time, from ``-X importtime``."""
    heaviest: dict[str, int] = {}
    for line in trace.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = (part.strip() for part in line.removeprefix("import time:").split("|"))
        if not cumulative.isdigit():
            continue
        depth = len(name) - len(name.lstrip())
        name = name.strip()
        if depth <= 2:  # imported by the handler itself or by its direct imports
            heaviest[name] = max(heaviest.get(name, 0), int(cumulative))
    top = sorted(heaviest.items(), key=lambda kv: -kv[1])[:count]
    return [{"module": name, "ms": round(us / 1000, 1)} for name, us in top]
