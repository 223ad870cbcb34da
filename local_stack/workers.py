"""A fixed pool of Lambda-like worker processes, each running one invocation at a time.

Processes (not threads) because handlers keep module-level state per invocation, exactly as they may in a
Lambda container.  A worker belongs to one function once it has run it (module-level caches such as settings
must never leak from one function to another); a worker needed by another function is replaced, like a
cold start.  The parent enforces the function Timeout by killing and replacing the worker, which is
what Lambda does to a timed-out execution environment.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import multiprocessing
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path

from local_stack.lambda_runtime import Invocation, InvocationResult, serve

log = logging.getLogger(__name__)

# Lambda's init phase is not part of the function timeout; a cold import on a busy 2-core box can be slow.
INIT_TIMEOUT_SECONDS = 60.0
# Time for the result to cross the pipe after the handler returned right at its deadline.
RESULT_GRACE_SECONDS = 0.5


@dataclass(eq=False)  # identity semantics: workers live in a set
class _Worker:
    process: BaseProcess
    conn: Connection
    function: str | None = None  # the function whose environment this worker holds, once it has run one


class WorkerLost(RuntimeError):
    """The worker process died or hung; it is replaced and the invocation is reported as failed."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type


class WorkerPool:
    """``invoke`` blocks until a worker is free (like reserved concurrency), then runs the invocation."""

    def __init__(self, size: int, *, sys_path: Sequence[str], log_file: Path | None = None) -> None:
        if size < 1:
            raise ValueError("a worker pool needs at least one worker")
        # forkserver: workers fork from one warm process that has boto3 imported already, so starting
        # (and replacing) a worker is cheap and they do not re-run the parent's imports.
        self._ctx = multiprocessing.get_context("forkserver")
        self._ctx.set_forkserver_preload(["local_stack.lambda_runtime", "boto3"])
        self._sys_path = list(sys_path)
        self._log_file = str(log_file) if log_file else None
        # Most recently used last: a warm worker of the same function takes the next invocation, as Lambda
        # reuses warm environments; the least recently used one is recycled when another function needs it.
        self._idle: list[_Worker] = []
        self._available = threading.Condition()
        self._workers: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        self._serial = itertools.count(1)
        for _ in range(size):
            self._release(self._spawn())

    @property
    def size(self) -> int:
        return len(self._workers)

    def invoke(self, inv: Invocation) -> InvocationResult:
        """Run ``inv`` in a free worker; failures come back as Lambda error payloads, never as exceptions."""
        worker = self._acquire(inv.function_name)
        started = time.monotonic()
        try:
            ok, payload = self._run(worker, inv)
        except WorkerLost as lost:
            self._replace(worker)
            ok, payload = False, {"errorType": lost.error_type, "errorMessage": str(lost)}
        else:
            self._release(worker)
        return InvocationResult(ok=ok, payload=payload, duration_ms=(time.monotonic() - started) * 1000)

    def _acquire(self, function: str) -> _Worker:
        with self._available:
            while True:
                if self._closed:
                    raise RuntimeError("worker pool is closed")
                for wanted in (function, None):
                    for worker in reversed(self._idle):
                        if worker.function == wanted:
                            self._idle.remove(worker)
                            worker.function = function
                            return worker
                if self._idle:
                    victim = self._idle.pop(0)
                    break
                self._available.wait(0.5)
        fresh = self._recycle(victim)
        fresh.function = function
        return fresh

    def _release(self, worker: _Worker) -> None:
        with self._available:
            self._idle.append(worker)
            self._available.notify()

    def close(self) -> None:
        """Stop every worker; busy ones are killed, as Lambda does when an environment is torn down."""
        with self._lock:
            self._closed = True
            workers = list(self._workers)
            self._workers.clear()
        for worker in workers:
            with contextlib.suppress(OSError):
                worker.conn.send(None)
        deadline = time.monotonic() + 2
        for worker in workers:
            worker.process.join(max(0.0, deadline - time.monotonic()))
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join(2)
            worker.conn.close()

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _spawn(self) -> _Worker:
        parent, child = self._ctx.Pipe()
        process = self._ctx.Process(
            target=serve,
            args=(child, self._sys_path, self._log_file),
            name=f"lambda-worker-{next(self._serial)}",
            daemon=True,
        )
        process.start()
        child.close()
        worker = _Worker(process, parent)
        with self._lock:
            if self._closed:
                process.kill()
                raise RuntimeError("worker pool is closed")
            self._workers.add(worker)
        return worker

    def _recycle(self, worker: _Worker) -> _Worker:
        """Kill a worker and start a fresh one in its place (a timed-out, dead or reassigned environment)."""
        worker.process.kill()
        worker.process.join(5)
        worker.conn.close()
        with self._lock:
            self._workers.discard(worker)
        return self._spawn()

    def _replace(self, worker: _Worker) -> None:
        with contextlib.suppress(RuntimeError):  # the pool closed meanwhile: nothing to replace
            self._release(self._recycle(worker))

    def _run(self, worker: _Worker, inv: Invocation) -> tuple[bool, object]:
        try:
            worker.conn.send(inv)
            if not worker.conn.poll(INIT_TIMEOUT_SECONDS):
                raise WorkerLost("Runtime.InitTimeout", f"Init timed out after {INIT_TIMEOUT_SECONDS:.0f} s")
            worker.conn.recv()  # ("started",): the handler is loaded, the function timeout starts now
            if not worker.conn.poll(inv.timeout + RESULT_GRACE_SECONDS):
                log.warning("%s %s timed out after %d s", inv.function_name, inv.request_id, inv.timeout)
                raise WorkerLost("Sandbox.Timedout", f"Task timed out after {inv.timeout:.2f} seconds")
            _, ok, body = worker.conn.recv()
        except (EOFError, OSError) as exc:
            raise WorkerLost("Runtime.ExitError", f"worker process exited: {exc!r}") from exc
        return bool(ok), json.loads(body)
