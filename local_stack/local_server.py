"""Run the whole stack locally: ``python -m local_stack.local_server`` (what ``make run`` calls).

Starts the engines, creates the template's resources, serves every HttpApi route on 127.0.0.1:$PORT
through Lambda-like worker processes, polls SQS for queue-triggered functions, and seeds data through
``local_stack/seed.py`` when that file exists.  ``running_stack()`` is the same thing for tests.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import importlib.util
import json
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from local_stack import DEFAULT_STATE_DIR, DEFAULT_TEMPLATE, LOCAL_REGION, REPO_ROOT, clock
from local_stack.authorizer import Authorizers, authorizer_invoke
from local_stack.engines import Engines, EngineUnavailable, start_engines
from local_stack.gateway import Backend, GatewayServer
from local_stack.lambda_runtime import Invocation, InvocationResult
from local_stack.resources import create_resources
from local_stack.routing import Router
from local_stack.sqs_consumer import QueueConsumer
from local_stack.stream_consumer import StreamConsumer
from local_stack.template import (
    FunctionSpec,
    Physical,
    StackTemplate,
    TemplateError,
    environment_of,
    load_template,
    resolve,
)
from local_stack.workers import WorkerPool

log = logging.getLogger(__name__)

DEFAULT_PORT = 3000
DEFAULT_WORKERS = 8
LOG_ROTATE_BYTES = 20 * 1024 * 1024

Seed = Callable[[str], None]
Consumer = QueueConsumer | StreamConsumer


@dataclass
class Stack:
    """A running local stack, as handed to tests."""

    url: str
    port: int
    dynamodb_endpoint: str
    moto_endpoint: str
    env: dict[str, str]
    template: StackTemplate
    resources: dict[str, Physical]
    clock_file: Path
    function_env: dict[str, dict[str, str]]
    invoker: FunctionInvoker
    dynamodb_is_moto: bool = False
    consumers: list[Consumer] = field(default_factory=list)

    @property
    def table_name(self) -> str:
        """The (first) DynamoDB table's local name; the app is single-table."""
        return self.resources[self.template.tables[0].logical_id].ref if self.template.tables else ""

    def invoke(self, function: str, event: Any) -> InvocationResult:
        """Invoke a function directly in a worker, bypassing HTTP (e.g. with a hand-made event)."""
        return self.invoker.invoke(function, event)


class FunctionInvoker:
    """Turns ``(function logical id, event)`` into a worker invocation with that function's environment."""

    def __init__(self, template: StackTemplate, envs: Mapping[str, dict[str, str]], pool: WorkerPool) -> None:
        self._functions = {fn.logical_id: fn for fn in template.functions}
        self._envs = envs
        self._pool = pool
        self._sys_path = tuple(str(p) for p in (*template.layer_dirs, template.root))

    def invoke(self, function: str, event: Any) -> InvocationResult:
        fn = self._functions[function]
        return self._pool.invoke(
            Invocation(
                function_name=fn.logical_id,
                package=fn.package,
                code_dir=str(fn.code_dir),
                module=fn.module,
                attribute=fn.attribute,
                timeout=fn.timeout,
                memory_size=fn.memory_size,
                env=self._envs[function],
                event=event,
                sys_path=self._sys_path,
            )
        )


def local_settings(dynamodb_endpoint: str, moto_endpoint: str, clock_file: Path) -> dict[str, str]:
    """Overrides that point every function at the local engines and make local runs quick to observe."""
    return {
        "LOCAL_STACK": "true",
        "AWS_ENDPOINT_URL_DYNAMODB": dynamodb_endpoint,
        "AWS_ENDPOINT_URL_SQS": moto_endpoint,
        "AWS_ENDPOINT_URL_SECRETS_MANAGER": moto_endpoint,
        "AWS_DEFAULT_REGION": LOCAL_REGION,
        "AWS_REGION": LOCAL_REGION,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "RULES_CACHE_SECONDS": "1",
        # No WeChat here: only dev codes log in, and reminder pushes are recorded instead of sent.
        "WECHAT_ENABLED": os.environ.get("WECHAT_ENABLED", "false"),
        "CLOCK_FILE": str(clock_file),
        "POWERTOOLS_TRACE_DISABLED": "true",
        "AWS_XRAY_SDK_ENABLED": "false",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": os.environ.get("LOG_LEVEL") or "WARNING",
    }


SAM_ENV_FILE = "env.json"
# Lambda sets these itself, and a container cannot see the host's clock file: the rest goes to sam local.
_NOT_FOR_SAM_LOCAL = ("AWS_LAMBDA_", "AWS_REGION", "AWS_DEFAULT_REGION", "CLOCK_FILE")


def write_sam_env(envs: Mapping[str, Mapping[str, str]], path: Path) -> None:
    """`sam local invoke --env-vars <path>`: every function's environment on this run's engines (table,
    secrets and queues by their local names, endpoints of DynamoDB Local and moto), so a function run in
    SAM's container (with `--docker-network host`) reads and writes the data `make run` serves."""
    chosen = {
        fn: {k: v for k, v in env.items() if not k.startswith(_NOT_FOR_SAM_LOCAL)} for fn, env in envs.items()
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(chosen, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def runtime_variables(fn: FunctionSpec) -> dict[str, str]:
    """The reserved variables Lambda sets in every execution environment."""
    return {
        "AWS_LAMBDA_FUNCTION_NAME": fn.logical_id,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(fn.memory_size),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{fn.logical_id}",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11",
        "_HANDLER": fn.handler,
        "TZ": ":UTC",
    }


@contextlib.contextmanager
def running_stack(
    *,
    template_path: Path = DEFAULT_TEMPLATE,
    port: int = 0,
    workers: int = 4,
    data_dir: Path | None = None,
    reset: bool = False,
    allow_moto_dynamodb: bool | None = None,
    seed: bool | Seed = True,
    state_dir: Path = DEFAULT_STATE_DIR,
    log_file: Path | bool | None = True,
) -> Iterator[Stack]:
    """Start everything in the background, yield a :class:`Stack`, and tear it all down on exit.

    ``port=0`` picks a free port.  ``seed`` is True (use ``local_stack/seed.py`` if present), False, or a
    ``seed(base_url)`` callable.  ``log_file`` True appends handler output to ``state_dir/stack.log``,
    a path appends there, None/False leaves it on this process's stderr.
    """
    started = time.monotonic()
    state_dir.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as cleanup:
        server = GatewayServer(("127.0.0.1", port))
        cleanup.callback(server.server_close)
        url = f"http://127.0.0.1:{server.port}"
        clock_file = state_dir / f"clock-{server.port}.json"
        clock.reset(clock_file)
        cleanup.callback(clock.reset, clock_file)
        handler_log = _open_log(state_dir / "stack.log" if log_file is True else log_file or None, url)
        pool = cleanup.enter_context(WorkerPool(workers, sys_path=[str(REPO_ROOT)], log_file=handler_log))
        with ThreadPoolExecutor(1) as background:  # parse the template while the JVM boots
            parsed = background.submit(load_template, template_path)
            engines: Engines = cleanup.enter_context(
                start_engines(
                    data_dir=data_dir, reset=reset, allow_moto_dynamodb=allow_moto_dynamodb, log_dir=state_dir
                )
            )
            template = parsed.result()
        for warning in template.warnings:
            log.warning("template: %s", warning)
        resources = create_resources(
            template,
            dynamodb_endpoint=engines.dynamodb_endpoint,
            moto_endpoint=engines.moto_endpoint,
            data_dir=data_dir,
        )
        local = local_settings(engines.dynamodb_endpoint, engines.moto_endpoint, clock_file)
        envs = {
            fn.logical_id: {**environment_of(fn, template, resources), **runtime_variables(fn), **local}
            for fn in template.functions
        }
        common = {k: str(resolve(v, template, resources)) for k, v in template.global_environment.items()}
        write_sam_env(envs, state_dir / SAM_ENV_FILE)
        invoker = FunctionInvoker(template, envs, pool)
        server.backend = Backend(
            router=Router((route, fn.logical_id) for fn in template.functions for route in fn.routes),
            invoke=invoker.invoke,
            jobs={fn.logical_id: fn.schedules[0] for fn in template.functions if fn.schedules},
            clock_file=clock_file,
            authorizers=Authorizers(template.authorizers, authorizer_invoke(invoker.invoke)),
        )
        serving = threading.Thread(target=server.serve_forever, name="http-front-door", daemon=True)
        serving.start()
        cleanup.callback(pool.close)  # runs before the engines stop, so no invocation sees them vanish
        cleanup.callback(server.shutdown)
        stack = Stack(
            url=url,
            port=server.port,
            dynamodb_endpoint=engines.dynamodb_endpoint,
            moto_endpoint=engines.moto_endpoint,
            env={**common, **local},
            template=template,
            resources=resources,
            clock_file=clock_file,
            function_env=envs,
            invoker=invoker,
            dynamodb_is_moto=engines.dynamodb_is_moto,
        )
        cleanup.callback(_stop_consumers, stack.consumers)
        _start_consumers(stack.consumers, template, resources, engines.moto_endpoint, invoker)
        _start_stream_consumers(stack.consumers, template, resources, engines.dynamodb_endpoint, invoker)
        _run_seed(seed, url)
        log.info("local stack ready at %s in %.1f s", url, time.monotonic() - started)
        yield stack


def _open_log(path: Path | None, url: str) -> Path | None:
    """Append to the handler log with a header per run; keep one old generation past ~20 MB."""
    if path is None:
        return None
    if path.exists() and path.stat().st_size > LOG_ROTATE_BYTES:
        path.replace(path.with_name(path.name + ".1"))
    with path.open("a", encoding="utf-8") as handle:
        handle.write(f"===== local stack {url} started {time.strftime('%Y-%m-%d %H:%M:%S')} =====\n")
    return path


def _start_consumers(
    consumers: list[Consumer],
    template: StackTemplate,
    resources: Mapping[str, Physical],
    endpoint: str,
    invoker: FunctionInvoker,
) -> None:
    """One poller per SQS event; appended as started so a failure half-way still stops the others."""
    queues = {q.logical_id: q for q in template.queues}
    for fn in template.functions:
        for subscription in fn.queues:
            if subscription.queue not in queues:
                raise TemplateError(
                    f"{fn.logical_id}.{subscription.name}: {subscription.queue} is not an SQS queue"
                )
            if queues[subscription.queue].visibility_timeout < fn.timeout:
                log.warning(
                    "%s: queue %s VisibilityTimeout %d s is below the function Timeout %d s; AWS rejects "
                    "this event source mapping",
                    fn.logical_id,
                    subscription.queue,
                    queues[subscription.queue].visibility_timeout,
                    fn.timeout,
                )
            if not subscription.enabled:
                continue
            queue = resources[subscription.queue]
            consumer = QueueConsumer(
                fn.logical_id,
                subscription,
                queue_url=queue.attributes["QueueUrl"],
                queue_arn=queue.attributes["Arn"],
                endpoint=endpoint,
                invoke=invoker.invoke,
            )
            consumer.start()
            consumers.append(consumer)


def _start_stream_consumers(
    consumers: list[Consumer],
    template: StackTemplate,
    resources: Mapping[str, Physical],
    endpoint: str,
    invoker: FunctionInvoker,
) -> None:
    """One poller per DynamoDB stream event, reading the table's stream on the DynamoDB engine."""
    tables = {t.logical_id for t in template.tables}
    for fn in template.functions:
        for subscription in fn.streams:
            if subscription.table not in tables:
                raise TemplateError(
                    f"{fn.logical_id}.{subscription.name}: {subscription.table} is not a DynamoDB table"
                )
            stream_arn = resources[subscription.table].attributes.get("StreamArn")
            if not stream_arn:
                raise TemplateError(
                    f"{fn.logical_id}.{subscription.name}: {subscription.table} has no StreamSpecification"
                )
            if not subscription.enabled:
                continue
            consumer = StreamConsumer(
                fn.logical_id, subscription, stream_arn=stream_arn, endpoint=endpoint, invoke=invoker.invoke
            )
            consumer.start()
            consumers.append(consumer)


def _stop_consumers(consumers: list[Consumer]) -> None:
    for consumer in consumers:
        consumer.stop()
    for consumer in consumers:
        consumer.join(15)


def _run_seed(seed: bool | Seed, url: str) -> None:
    """Seed through the running API; a broken seed is logged, never fatal."""
    if seed is False:
        return
    try:
        if seed is True:
            if importlib.util.find_spec("local_stack.seed") is None:
                return
            seed = importlib.import_module("local_stack.seed").seed
        seed(url)  # type: ignore[operator]
        log.info("seeded via %s", getattr(seed, "__module__", seed))
    except Exception:
        log.exception("seeding failed; the stack keeps running without (all of) its seed data")


def _banner(stack: Stack, seconds: float, log_target: str) -> str:
    base = f"localhost:{stack.port}"
    routes = sorted(
        (route.route_key, fn.logical_id) for fn in stack.template.functions for route in fn.routes
    )
    keys = {key for key, _ in routes}
    engine = "moto, NOT race-safe" if stack.dynamodb_is_moto else "DynamoDB Local"
    lines = [
        f"Local stack ready in {seconds:.1f} s: {stack.url}",
        f"  DynamoDB: {stack.dynamodb_endpoint} ({engine})",
        f"  SQS + Secrets Manager (moto): {stack.moto_endpoint}",
        f"  handler logs: {log_target}",
        f"  pages: {stack.url}/docs/ (API explorer)  {stack.url}/console/ (operations)  {stack.url}/member/",
        "Routes:",
        *(f"  {key:32} {fn}" for key, fn in routes),
        '  POST /_local/clock {"now": ISO-8601}   GET|DELETE /_local/clock',
        *(f"  POST /_local/jobs/{fn.logical_id}/run" for fn in stack.template.functions if fn.schedules),
        "Try:",
    ]
    json_header = "-H 'content-type: application/json'"
    login = f'curl -s -X POST {base}/auth/login {json_header} -d \'{{"code":"dev:demo"}}\''
    if "POST /auth/login" in keys:
        lines.append(f"  {login}")
        extract = "python3 -c 'import json,sys; print(json.load(sys.stdin)[\"token\"])'"
        lines.append(f"  TOKEN=$({login} | {extract})")
    if "POST /sign-in" in keys:
        lines.append(f'  curl -s -X POST {base}/sign-in -H "authorization: Bearer $TOKEN"')
    if "GET /me" in keys:
        lines.append(f'  curl -s {base}/me -H "authorization: Bearer $TOKEN"')
    lines.append("Ctrl-C stops everything.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """CLI entry point; returns the process exit status."""
    parser = argparse.ArgumentParser(prog="python -m local_stack.local_server", description=__doc__)
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", DEFAULT_PORT)))
    parser.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("LOCAL_WORKERS", DEFAULT_WORKERS)),
        help="worker processes, i.e. concurrent invocations (env LOCAL_WORKERS)",
    )
    parser.add_argument("--data", type=Path, help="persist DynamoDB tables (and generated secrets) here")
    parser.add_argument("--reset", action="store_true", help="wipe --data before starting")
    parser.add_argument(
        "--allow-moto-dynamodb",
        action="store_true",
        default=None,
        help="serve DynamoDB from moto when Java/DynamoDB Local is missing (env ALLOW_MOTO_DYNAMODB=1)",
    )
    parser.add_argument("--template", type=Path, default=DEFAULT_TEMPLATE)
    parser.add_argument("--log-file", type=Path, help="write handler output here instead of stderr")
    parser.add_argument("--no-seed", action="store_true", help="do not run local_stack/seed.py")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    stop = threading.Event()
    ready = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        if not ready.is_set():
            raise KeyboardInterrupt  # still starting: unwind, which stops whatever already started
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    started = time.monotonic()
    try:
        with running_stack(
            template_path=args.template,
            port=args.port,
            workers=args.workers,
            data_dir=args.data,
            reset=args.reset,
            allow_moto_dynamodb=args.allow_moto_dynamodb,
            seed=not args.no_seed,
            log_file=args.log_file,
        ) as stack:
            ready.set()
            print(_banner(stack, time.monotonic() - started, str(args.log_file or "stderr")), flush=True)
            while not stop.wait(0.5):
                pass
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not interrupt cleanup
            print("stopping...", file=sys.stderr, flush=True)
    except EngineUnavailable as exc:
        print(exc, file=sys.stderr)
        return 2
    except (TemplateError, OSError) as exc:
        print(f"cannot start the local stack: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
