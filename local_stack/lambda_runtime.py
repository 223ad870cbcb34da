"""The inside of one worker process: behaves like a single Lambda execution environment.

A worker runs one invocation at a time (handlers keep per-invocation state at module level, e.g. the
powertools resolver's current event), keeps imported handler modules warm between invocations, and
reports back over a pipe.  Kept free of heavy imports because every worker process imports it.
"""

from __future__ import annotations

import decimal
import importlib
import json
import os
import signal
import sys
import time
import traceback
import types
import uuid
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from local_stack import LOCAL_ACCOUNT_ID, LOCAL_REGION


@dataclass(frozen=True)
class Invocation:
    """Everything a worker needs to run one invocation; plain values so it pickles cheaply."""

    function_name: str
    package: str
    code_dir: str
    module: str
    attribute: str
    timeout: int
    memory_size: int
    env: dict[str, str]
    event: Any
    sys_path: tuple[str, ...] = ()
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    # Set on the message that starts an environment: load the handler (Lambda's init phase), run nothing.
    init_type: str | None = None
    # A function no request waits for (queue, stream, schedule): on AWS it runs on capacity of its own;
    # on one small machine its environments yield the CPU to those answering requests.
    background: bool = False


@dataclass(frozen=True)
class InvocationResult:
    """``payload`` is the handler's JSON-decoded return value, or Lambda's error object when not ``ok``."""

    ok: bool
    payload: Any
    duration_ms: float

    @property
    def error_type(self) -> str:
        return "" if self.ok else str(self.payload.get("errorType", ""))


class LocalLambdaContext(LambdaContext):
    """powertools' LambdaContext with real values and a deadline that counts down from the Timeout."""

    def __init__(self, inv: Invocation, deadline: float) -> None:
        self._function_name = inv.function_name
        self._function_version = "$LATEST"
        self._invoked_function_arn = (
            f"arn:aws:lambda:{LOCAL_REGION}:{LOCAL_ACCOUNT_ID}:function:{inv.function_name}"
        )
        self._memory_limit_in_mb = inv.memory_size
        self._aws_request_id = inv.request_id
        self._log_group_name = f"/aws/lambda/{inv.function_name}"
        self._log_stream_name = f"local/[$LATEST]{os.getpid()}"
        self._identity = None  # type: ignore[assignment]  # None outside Cognito-authorised mobile calls
        self._client_context = None  # type: ignore[assignment]
        self._deadline = deadline

    def get_remaining_time_in_millis(self) -> int:  # type: ignore[override]  # a staticmethod stub upstream
        return max(0, int((self._deadline - time.monotonic()) * 1000))


BACKGROUND_NICENESS = 10  # a lower CPU priority for background functions' environments

_handlers: dict[tuple[str, str, str], Any] = {}
_base_env: dict[str, str] = {}
_init_type: dict[str, str] = {}  # how this environment was started: "on-demand" or "provisioned-concurrency"


def serve(conn: Connection, sys_path: list[str], log_file: str | None) -> None:
    """Worker main loop.

    An init message (``init_type`` set) loads the handler and answers ``("ready",)``; an invocation answers
    ``("started",)`` once the handler is loaded, then ``("done", ok, json)``.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group; the parent stops us.
    _redirect_output(log_file)
    sys.path[:0] = [p for p in sys_path if p not in sys.path]
    # Never let a developer's real AWS settings (profile, keys, endpoints) leak into a local invocation.
    _base_env.update({k: v for k, v in os.environ.items() if not k.startswith("AWS_")})
    while True:
        try:
            inv = conn.recv()
        except (EOFError, OSError):
            return
        if inv is None:
            return
        if inv.init_type is not None:
            conn.send(_init(inv))
        else:
            conn.send(_invoke(inv, conn))


def _redirect_output(log_file: str | None) -> None:
    """Handler stdout and stderr (structured logs) go to the log file, or to the server's stderr."""
    if log_file:
        fd = os.open(log_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.close(fd)
    else:
        os.dup2(2, 1)
    for stream in (sys.stdout, sys.stderr):
        stream.reconfigure(line_buffering=True)  # type: ignore[union-attr]


def _init(inv: Invocation) -> tuple[str]:
    """Lambda's init phase ahead of the first request; an import error is reported by that request."""
    _init_type["type"] = inv.init_type or "on-demand"
    if inv.background:
        os.nice(BACKGROUND_NICENESS)
    _enter(inv)
    try:
        _load(inv)
    except Exception as exc:
        print(f"[ERROR] Runtime.ImportModuleError during init: {inv.function_name}: {exc}", file=sys.stderr)
    return ("ready",)


def _enter(inv: Invocation) -> None:
    """The function's environment: its variables only, its code directory, its layers on the path."""
    os.environ.clear()
    os.environ.update(_base_env)
    os.environ.update(inv.env)
    if "type" in _init_type:
        os.environ["AWS_LAMBDA_INITIALIZATION_TYPE"] = _init_type["type"]
    time.tzset()
    os.chdir(inv.code_dir)
    sys.path[:0] = [p for p in inv.sys_path if p not in sys.path]


def _invoke(inv: Invocation, conn: Connection) -> tuple[str, bool, str]:
    _enter(inv)
    try:
        handler = _load(inv)
    except Exception as exc:
        print(f"[ERROR] Runtime.ImportModuleError: {inv.function_name}: {exc}", file=sys.stderr)
        traceback.print_exc()
        conn.send(("started",))
        return ("done", False, json.dumps(_error(exc, "Runtime.ImportModuleError")))
    conn.send(("started",))
    context = LocalLambdaContext(inv, deadline=time.monotonic() + inv.timeout)
    try:
        result = handler(inv.event, context)
    except Exception as exc:
        error = _error(exc, type(exc).__name__)
        print(f"[ERROR] {error['errorType']}: {error['errorMessage']}", file=sys.stderr)
        traceback.print_exc()
        return ("done", False, json.dumps(error))
    try:
        return ("done", True, json.dumps(result, default=_decimal_serializer))
    except (TypeError, ValueError) as exc:
        return ("done", False, json.dumps(_error(exc, "Runtime.MarshalError")))


def _load(inv: Invocation) -> Any:
    """Import the handler once per worker under a unique package, since every module is ``handler``."""
    key = (inv.package, inv.module, inv.attribute)
    if key not in _handlers:
        package = sys.modules.get(inv.package)
        if package is None or getattr(package, "__path__", None) != [inv.code_dir]:
            package = types.ModuleType(inv.package)
            package.__path__ = [inv.code_dir]
            sys.modules[inv.package] = package
        module = importlib.import_module(f"{inv.package}.{inv.module}")
        _handlers[key] = getattr(module, inv.attribute)
    return _handlers[key]


def _error(exc: BaseException, error_type: str) -> dict[str, Any]:
    return {
        "errorType": error_type,
        "errorMessage": str(exc),
        "stackTrace": traceback.format_exception(exc),
    }


def _decimal_serializer(value: Any) -> Any:
    """The Python Lambda runtime's own rule for Decimals (boto3 returns numbers as Decimal)."""
    if isinstance(value, decimal.Decimal):
        return float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")
