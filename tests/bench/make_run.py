"""The stack as ``make run`` starts it, in its own process, for the phases measured over HTTP.

A separate process matters: the benchmark's client threads must not share an interpreter (and its lock)
with the front door they measure.  Stopped with SIGINT to its process group, as Ctrl-C does; how long
that takes is measured too.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from local_stack import DEFAULT_TEMPLATE, REPO_ROOT
from local_stack.template import load_template


@dataclass
class RunningStack:
    url: str
    port: int
    dynamodb_endpoint: str
    table_name: str
    ready_seconds: float
    banner: list[str] = field(default_factory=list)
    stop_seconds: float | None = None

    def environments(self) -> dict[str, Any]:
        return dict(requests.get(self.url + "/_local/environments", timeout=30).json())


@contextlib.contextmanager
def make_run(
    parameters: Mapping[str, str], log_file: Path, extra: list[str] | None = None
) -> Iterator[RunningStack]:
    """``python -m local_stack.local_server`` on a free port with ``--parameter-overrides``."""
    overrides = [f"{k}={v}" for k, v in parameters.items()]
    command = [sys.executable, "-m", "local_stack.local_server", "--port", "0", "--log-file", str(log_file)]
    command += [*(["--parameter-overrides", *overrides] if overrides else []), *(extra or [])]
    started = time.monotonic()
    process = subprocess.Popen(
        command,
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        stdout=subprocess.PIPE,
        stderr=log_file.with_suffix(".runner.log").open("w"),
        text=True,
        start_new_session=True,  # its own process group, like a terminal's foreground job
    )
    try:
        assert process.stdout is not None
        banner: list[str] = []
        url = dynamodb = ""
        for line in process.stdout:
            banner.append(line.rstrip())
            if line.startswith("Local stack ready"):
                url = line.rsplit(" ", 1)[1].strip()
            elif line.startswith("  DynamoDB: "):
                dynamodb = line.split()[1]
            elif line.startswith("Ctrl-C"):
                break
        if not url:
            raise RuntimeError(f"the stack did not start; see {log_file.with_suffix('.runner.log')}")
        stack = RunningStack(
            url=url,
            port=int(url.rsplit(":", 1)[1]),
            dynamodb_endpoint=dynamodb,
            table_name=load_template(DEFAULT_TEMPLATE).tables[0].name,
            ready_seconds=round(time.monotonic() - started, 1),
            banner=banner,
        )
        yield stack
        stopping = time.monotonic()
        os.killpg(process.pid, signal.SIGINT)
        process.wait(60)
        stack.stop_seconds = round(time.monotonic() - stopping, 1)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
