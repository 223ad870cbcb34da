"""Lambda-like execution environments: worker processes per function that scale out on demand.

Processes (not threads) because handlers keep module-level state, exactly as they may in a Lambda
container.  Each function has its own environments; an environment runs one invocation at a time and
serves only its function (module-level caches must never leak from one function to another).

As Lambda does: an invocation takes an idle warm environment of its function; when none is idle the
function scales out (a new environment starts in the background: Lambda's init phase) up to a per-function
cap and a global cap.  A request waits only while its function is at its cap (or the global cap leaves no
room), and waiting requests are served in arrival order: whichever environment frees up or finishes
starting first serves the oldest waiter.  A warm environment is stopped to make room for another function
only when the global cap is reached, least recently used first; idle ones are reaped after
``idle_seconds``.  Provisioned environments (:meth:`WorkerPool.provision`) start before the stack says it
is ready and are never reaped or recycled.  The parent enforces the function Timeout by killing the
worker, which is what Lambda does to a timed-out execution environment.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import multiprocessing
import os
import threading
import time
from collections import deque
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from local_stack.lambda_runtime import Invocation, InvocationResult, serve

log = logging.getLogger(__name__)

# Lambda's init phase is not part of the function timeout; a cold import on a busy 2-core box can be slow.
INIT_TIMEOUT_SECONDS = 60.0
# Time for the result to cross the pipe after the handler returned right at its deadline.
RESULT_GRACE_SECONDS = 0.5
# An idle environment lives this long after its last invocation (Lambda keeps them "a few minutes").
DEFAULT_IDLE_SECONDS = 300.0
# Imported once in the forkserver, so every new environment starts with them loaded: a local convenience
# that keeps scale-out cheap on a small machine (the benchmark measures real cold imports separately).
# Only libraries that read no environment variable at import: powertools does (the initialisation type,
# the execution environment), so each environment imports it itself, after its variables are set.
PRELOAD = ["local_stack.lambda_runtime", "boto3", "botocore.client", "pydantic", "pydantic_settings", "jwt"]


def default_caps(cpus: int | None = None) -> tuple[int, int]:
    """(global, per-function) environment caps for this machine: per function, enough to keep every core
    busy while others wait on DynamoDB; in all, room for eight functions at their cap (a member's visit
    touches five, a rush two plus the queue and stream consumers) before one must give way."""
    cpus = cpus or os.cpu_count() or 2
    per_function = max(4, 2 * cpus)
    return min(96, 8 * per_function), per_function


class WorkerLost(RuntimeError):
    """The worker process died or hung; it is discarded and the invocation is reported as failed."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type


class PoolClosed(RuntimeError):
    """The pool is shutting down: no invocation starts any more."""

    def __init__(self) -> None:
        super().__init__("worker pool is closed")


@dataclass(eq=False)  # identity semantics: workers live in sets and lists
class _Worker:
    process: BaseProcess
    conn: Connection
    function: str
    provisioned: bool = False
    last_used: float = field(default_factory=time.monotonic)
    _closing: threading.Lock = field(default_factory=threading.Lock)

    def kill(self) -> None:
        """Kill the process and close the pipe once, whichever thread gets here first (a second close
        could hit a descriptor number already reused elsewhere)."""
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        with self._closing:
            if not self.conn.closed:
                self.conn.close()


@dataclass(eq=False)
class _Waiter:
    """One request waiting for an environment; handed one (or an error) and woken in arrival order."""

    ready: threading.Event = field(default_factory=threading.Event)
    worker: _Worker | None = None
    error: RuntimeError | None = None
    since: float = field(default_factory=time.monotonic)


@dataclass(eq=False)
class _Function:
    """The environments of one function: idle (most recently used last), busy and starting ones."""

    name: str
    spec: Invocation  # how to start an environment of this function (its code, environment, layers)
    idle: list[_Worker] = field(default_factory=list)
    waiters: deque[_Waiter] = field(default_factory=deque)
    busy: int = 0
    starting: int = 0
    provisioned: int = 0

    @property
    def size(self) -> int:
        return len(self.idle) + self.busy + self.starting


@dataclass(frozen=True)
class _Start:
    """A planned environment start; ``victim`` is an idle environment of another function it replaces."""

    function: _Function
    victim: _Worker | None = None
    provisioned: bool = False


class WorkerPool:
    """``invoke`` runs an invocation in an environment of its function, scaling out as Lambda does."""

    def __init__(
        self,
        max_workers: int,
        *,
        per_function: int | None = None,
        sys_path: Sequence[str],
        log_file: Path | None = None,
        idle_seconds: float = DEFAULT_IDLE_SECONDS,
    ) -> None:
        if max_workers < 1:
            raise ValueError("a worker pool needs at least one worker")
        # forkserver: workers fork from one warm process that has the heavy libraries imported already, so
        # starting a worker is cheap and it does not re-run the parent's imports.
        self._ctx = multiprocessing.get_context("forkserver")
        self._ctx.set_forkserver_preload(PRELOAD)
        self._sys_path = list(sys_path)
        self._log_file = str(log_file) if log_file else None
        self.max_workers = max_workers
        self.per_function = max(1, min(per_function or max_workers, max_workers))
        self._idle_seconds = idle_seconds
        self._lock = threading.Lock()
        self._functions: dict[str, _Function] = {}
        self._workers: set[_Worker] = set()  # every live process: idle, busy or starting
        self._closed = False
        self._serial = itertools.count(1)
        self.cold_starts = 0
        # Starts run in the background so a request is never tied to "its" cold start: whichever
        # environment is ready first serves the oldest waiter.
        self._starter = ThreadPoolExecutor(max(2, os.cpu_count() or 2), thread_name_prefix="lambda-init")
        self._stopping = threading.Event()
        self._reaper = threading.Thread(target=self._reap_idle, name="lambda-reaper", daemon=True)
        self._reaper.start()

    @property
    def size(self) -> int:
        """Environments alive now (idle, busy or starting)."""
        with self._lock:
            return sum(fn.size for fn in self._functions.values())

    def sizes(self) -> dict[str, int]:
        """Environments alive per function."""
        with self._lock:
            return {name: fn.size for name, fn in self._functions.items() if fn.size}

    def status(self) -> dict[str, Any]:
        """What ``GET /_local/environments`` answers: the caps, cold starts so far, and per function its
        environments (idle, busy, starting, provisioned) and the requests waiting for one."""
        with self._lock:
            functions = {
                name: {
                    "idle": len(fn.idle),
                    "busy": fn.busy,
                    "starting": fn.starting,
                    "provisioned": fn.provisioned,
                    "waiting": len(fn.waiters),
                }
                for name, fn in sorted(self._functions.items())
                if fn.size or fn.waiters
            }
            return {
                "maxEnvironments": self.max_workers,
                "maxPerFunction": self.per_function,
                "coldStarts": self.cold_starts,
                "functions": functions,
            }

    def invoke(self, inv: Invocation) -> InvocationResult:
        """Run ``inv``; failures come back as Lambda error payloads.  Raises :class:`PoolClosed` only."""
        started = time.monotonic()
        try:
            worker = self._acquire(inv)
        except WorkerLost as lost:
            return _failed(lost, started)
        try:
            ok, payload = self._run(worker, inv)
        except WorkerLost as lost:
            self._discard(worker)
            return _failed(lost, started)
        self._release(worker)
        return InvocationResult(ok=ok, payload=payload, duration_ms=(time.monotonic() - started) * 1000)

    def provision(self, inv: Invocation, count: int) -> int:
        """Start ``count`` environments of ``inv``'s function now and wait until they are initialised.

        Capped by the per-function cap, and so that provisioned environments leave room under the global
        cap for any other function to scale to its own cap; returns how many were started."""
        with self._lock:
            if self._closed:
                raise PoolClosed
            fn = self._function(inv)
            provisioned = sum(f.provisioned for f in self._functions.values())
            room = min(count, self.per_function - fn.size, self.max_workers - self.per_function - provisioned)
            room = max(0, room)
            fn.provisioned += room
            fn.starting += room
        if room < count:
            log.warning(
                "%s: provisioned concurrency %d capped at %d locally (caps: %d per function, %d in all, "
                "of which one function's worth stays on demand)",
                inv.function_name,
                count,
                room,
                self.per_function,
                self.max_workers,
            )
        futures = [self._starter.submit(self._start, _Start(fn, provisioned=True)) for _ in range(room)]
        failure: BaseException | None = None
        for future in futures:
            try:
                worker = future.result()
            except (WorkerLost, PoolClosed) as exc:
                failure = exc
                with self._lock:
                    fn.starting -= 1
                    fn.provisioned -= 1
                continue
            if not self._place_started(worker, fn):
                raise PoolClosed
        if failure is not None:
            raise failure
        return room

    def close(self) -> None:
        """Stop every environment at once; busy ones are killed, as Lambda does on teardown."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            workers = list(self._workers)
            self._workers.clear()
            idle = {id(w) for fn in self._functions.values() for w in fn.idle}
            waiters = [w for fn in self._functions.values() for w in fn.waiters]
            for fn in self._functions.values():
                fn.waiters.clear()
                fn.idle.clear()
        self._stopping.set()
        for waiter in waiters:
            waiter.error = PoolClosed()
            waiter.ready.set()
        self._starter.shutdown(wait=False, cancel_futures=True)
        for worker in workers:
            if id(worker) in idle:
                with contextlib.suppress(OSError):
                    worker.conn.send(None)  # an idle worker exits on its own, flushing its output
            else:
                worker.process.kill()  # its invoking thread sees the pipe close and closes its end
        deadline = time.monotonic() + 1
        for worker in workers:
            worker.process.join(max(0.0, deadline - time.monotonic()))
            if id(worker) in idle:
                worker.kill()

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # --- scheduling (every method ending in _locked runs with self._lock held) ------------------------

    def _function(self, inv: Invocation) -> _Function:
        fn = self._functions.get(inv.function_name)
        if fn is None:
            spec = replace(inv, event=None, request_id="init")
            fn = self._functions[inv.function_name] = _Function(inv.function_name, spec)
        return fn

    def _total(self) -> int:
        return sum(fn.size for fn in self._functions.values())

    def _acquire(self, inv: Invocation) -> _Worker:
        with self._lock:
            if self._closed:
                raise PoolClosed
            fn = self._function(inv)
            if fn.idle and not fn.waiters:
                worker = fn.idle.pop()  # the most recently used: warmest caches, as Lambda prefers
                fn.busy += 1
                return worker
            waiter = _Waiter()
            fn.waiters.append(waiter)
            starts = self._scale_out_locked()
        self._begin(starts)
        waiter.ready.wait()
        if waiter.error is not None:
            raise waiter.error
        assert waiter.worker is not None
        return waiter.worker

    def _scale_out_locked(self) -> list[_Start]:
        """Plan a new environment for every waiter not already covered by one that is starting, oldest
        waiter first, within the caps; at the global cap an idle environment of another function makes
        room (least recently used first), never a provisioned one."""
        if self._closed:
            return []
        starts: list[_Start] = []
        hungry = [fn for fn in self._functions.values() if len(fn.waiters) > fn.starting]
        hungry.sort(key=lambda fn: fn.waiters[0].since)
        total = self._total()
        for fn in hungry:
            while len(fn.waiters) > fn.starting and fn.size < self.per_function:
                victim = None
                if total >= self.max_workers:
                    victim = self._least_recently_used_locked(besides=fn)
                    if victim is None:
                        return starts  # wait for an environment to free up
                    self._functions[victim.function].idle.remove(victim)
                    total -= 1
                fn.starting += 1
                total += 1
                starts.append(_Start(fn, victim))
        return starts

    def _least_recently_used_locked(self, besides: _Function) -> _Worker | None:
        candidates = [
            w for fn in self._functions.values() if fn is not besides for w in fn.idle if not w.provisioned
        ]
        return min(candidates, key=lambda w: w.last_used, default=None)

    def _place_started(self, worker: _Worker, fn: _Function) -> bool:
        """Hand a newly started environment to its function; False (and the environment killed) if the
        pool closed while it started."""
        with self._lock:
            closed = self._closed
            if not closed:
                fn.starting -= 1
                starts = self._place_locked(worker, fn)
        if closed:
            worker.kill()
            return False
        self._begin(starts)
        return True

    def _place_locked(self, worker: _Worker, fn: _Function) -> list[_Start]:
        """A free environment serves the oldest waiter of its function, or waits idle for the next one."""
        worker.last_used = time.monotonic()
        if fn.waiters:
            waiter = fn.waiters.popleft()
            waiter.worker = worker
            fn.busy += 1
            waiter.ready.set()
            return []
        fn.idle.append(worker)
        return self._scale_out_locked()  # it may make room for a function waiting at the global cap

    def _release(self, worker: _Worker) -> None:
        with self._lock:
            closed = self._closed
            if not closed:
                fn = self._functions[worker.function]
                fn.busy -= 1
                starts = self._place_locked(worker, fn)
        if closed:
            worker.kill()
            return
        self._begin(starts)

    def _discard(self, worker: _Worker) -> None:
        """A worker that timed out or died: gone for good; a provisioned one is started again."""
        worker.kill()
        with self._lock:
            self._workers.discard(worker)
            if self._closed:
                return
            fn = self._functions[worker.function]
            fn.busy -= 1
            starts = []
            if worker.provisioned:
                fn.starting += 1
                starts.append(_Start(fn, provisioned=True))
            starts += self._scale_out_locked()
        self._begin(starts)

    # --- starting environments --------------------------------------------------------------------------

    def _begin(self, starts: list[_Start]) -> None:
        for start in starts:
            try:
                self._starter.submit(self._start_and_place, start)
            except RuntimeError:  # the starter shut down: the pool is closing
                return

    def _start_and_place(self, start: _Start) -> None:
        fn = start.function
        try:
            worker = self._start(start)
        except (WorkerLost, PoolClosed) as exc:
            with self._lock:
                fn.starting -= 1
                if start.provisioned:
                    fn.provisioned -= 1
                # Fail the oldest request rather than retry an environment that cannot start.
                waiter = fn.waiters.popleft() if fn.waiters else None
            if waiter is not None:
                waiter.error = exc
                waiter.ready.set()
            return
        self._place_started(worker, fn)

    def _start(self, start: _Start) -> _Worker:
        """Spawn one environment and run its init phase (import the handler); raises WorkerLost."""
        if start.victim is not None:
            start.victim.kill()
            with self._lock:
                self._workers.discard(start.victim)
        fn = start.function
        worker = self._spawn(fn.name, start.provisioned)
        init_type = "provisioned-concurrency" if start.provisioned else "on-demand"
        try:
            worker.conn.send(replace(fn.spec, init_type=init_type))
            if not worker.conn.poll(INIT_TIMEOUT_SECONDS):
                raise WorkerLost("Runtime.InitTimeout", f"Init timed out after {INIT_TIMEOUT_SECONDS:.0f} s")
            worker.conn.recv()
        except (EOFError, OSError, WorkerLost) as exc:
            worker.kill()
            with self._lock:
                self._workers.discard(worker)
            if isinstance(exc, WorkerLost):
                raise
            raise WorkerLost("Runtime.ExitError", f"worker process exited during init: {exc!r}") from exc
        return worker

    def _spawn(self, function: str, provisioned: bool) -> _Worker:
        parent, child = self._ctx.Pipe()
        process = self._ctx.Process(
            target=serve,
            args=(child, self._sys_path, self._log_file),
            name=f"lambda-{function}-{next(self._serial)}",
            daemon=True,
        )
        process.start()
        child.close()
        worker = _Worker(process, parent, function, provisioned)
        with self._lock:
            if self._closed:
                process.kill()
                raise PoolClosed
            self._workers.add(worker)
            self.cold_starts += 1
        return worker

    def _reap_idle(self) -> None:
        """Stop environments idle for longer than ``idle_seconds`` (never provisioned ones)."""
        interval = max(0.05, min(30.0, self._idle_seconds / 4))
        while not self._stopping.wait(interval):
            cutoff = time.monotonic() - self._idle_seconds
            with self._lock:
                stale = [
                    w
                    for fn in self._functions.values()
                    for w in fn.idle
                    if not w.provisioned and w.last_used < cutoff
                ]
                for worker in stale:
                    self._functions[worker.function].idle.remove(worker)
                    self._workers.discard(worker)
            for worker in stale:
                with contextlib.suppress(OSError):
                    worker.conn.send(None)
                worker.process.join(2)
                worker.kill()

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


def _failed(lost: RuntimeError, started: float) -> InvocationResult:
    error_type = lost.error_type if isinstance(lost, WorkerLost) else type(lost).__name__
    return InvocationResult(
        ok=False,
        payload={"errorType": error_type, "errorMessage": str(lost)},
        duration_ms=(time.monotonic() - started) * 1000,
    )
