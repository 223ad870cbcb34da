"""``make bench``: every figure the README quotes, from one run of the local stack.

Phases (``--only`` picks some): round trips per operation; the HTTP front door (keep-alive latency,
bursts of fresh connections); mixed member traffic at 1 and at many clients; a flash-sale rush with the
claim functions provisioned (warm) and the same claims' DynamoDB calls issued directly on the same engine;
import time of every function against a bare boto3 handler; the expiry sweep at growing table sizes.
Results go to a JSON file (``--out``) and a readable summary on stdout; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from local_stack import DEFAULT_STATE_DIR
from local_stack.local_server import DEFAULT_FUNCTION_WORKERS, DEFAULT_WORKERS, Stack, running_stack
from tests.bench import http_load, imports, round_trips, rush, sweep
from tests.bench.make_run import RunningStack, make_run
from tests.bench.report import report

HTTP_PHASES = ("gateway", "mixed", "rush")  # through make run, in its own process
IN_PROCESS_PHASES = ("round_trips", "imports", "sweep")  # handlers or services metered in this process
PHASES = HTTP_PHASES + IN_PROCESS_PHASES
PROVISIONED_PARAMETER = "FlashSaleProvisionedConcurrency"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench", description=__doc__)
    parser.add_argument("--out", type=Path, default=DEFAULT_STATE_DIR / "bench.json", help="JSON results")
    parser.add_argument("--only", nargs="+", choices=PHASES, default=list(PHASES))
    parser.add_argument("--members", type=int, default=2000, help="rush: members, each claiming once")
    parser.add_argument("--stock", type=int, default=200, help="rush: units on sale")
    parser.add_argument("--threads", type=int, default=64, help="rush and direct engine: client threads")
    parser.add_argument("--clients", type=int, default=32, help="mixed traffic: concurrent clients")
    parser.add_argument("--rounds", type=int, default=8, help="mixed traffic: member visits per client")
    parser.add_argument(
        "--sweep-sizes", type=int, nargs="+", default=[1_000, 10_000, 50_000], help="accounts in the table"
    )
    parser.add_argument(
        "--provisioned",
        type=int,
        default=DEFAULT_FUNCTION_WORKERS,
        help=f"the template's {PROVISIONED_PARAMETER} for the run (0: the rush meets cold starts)",
    )
    args = parser.parse_args(argv)
    results: dict[str, Any] = {
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average_at_start": list(os.getloadavg()),
        },
        "stack": {
            "workers": DEFAULT_WORKERS,
            "function_workers": DEFAULT_FUNCTION_WORKERS,
            PROVISIONED_PARAMETER: args.provisioned,
        },
    }
    began = time.monotonic()
    over_http = [phase for phase in HTTP_PHASES if phase in args.only]
    in_process = [phase for phase in IN_PROCESS_PHASES if phase in args.only]
    if over_http:
        parameters = {PROVISIONED_PARAMETER: str(args.provisioned)}
        with make_run(parameters, DEFAULT_STATE_DIR / "bench-handlers.log") as stack:
            results["stack"]["ready_seconds"] = stack.ready_seconds
            results["stack"]["environments_at_ready"] = _sizes(stack.environments())
            for phase in over_http:
                _run(phase, lambda: HTTP_RUNNERS[phase](stack, args), results)
            status = stack.environments()
            results["stack"]["environments_at_end"] = _sizes(status)
            results["stack"]["cold_starts"] = status["coldStarts"]
        results["stack"]["ctrl_c_seconds"] = stack.stop_seconds
    if in_process:
        with running_stack(seed=False, state_dir=DEFAULT_STATE_DIR) as local:
            for phase in in_process:
                _run(phase, lambda: IN_PROCESS_RUNNERS[phase](local, args), results)
    results["seconds"] = round(time.monotonic() - began, 1)
    results["machine"]["load_average_at_end"] = list(os.getloadavg())
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(_public(results), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(report(results))
    print(f"\nJSON: {args.out}", file=sys.stderr)
    return 0


def _sizes(status: dict[str, Any]) -> dict[str, int]:
    return {
        name: sum(counts[k] for k in ("idle", "busy", "starting"))
        for name, counts in status["functions"].items()
    }


def _run(name: str, runner: Callable[[], dict[str, Any]], results: dict[str, Any]) -> None:
    print(f"== {name}", file=sys.stderr, flush=True)
    began = time.monotonic()
    results[name] = runner()
    results[name]["phase_seconds"] = round(time.monotonic() - began, 1)


def _round_trips(stack: Stack, _: argparse.Namespace) -> dict[str, Any]:
    return {"rows": round_trips.round_trips(stack)}


def _gateway(stack: RunningStack, _: argparse.Namespace) -> dict[str, Any]:
    api = http_load.Api(stack.url)
    token = api.login(f"dev:gw{http_load.new_run_id()}")
    return {
        "keepalive_get_me": http_load.keepalive_latency(api, token),
        "fresh_connections": http_load.fresh_connection_bursts(stack.port, token),
    }


def _mixed(stack: RunningStack, args: argparse.Namespace) -> dict[str, Any]:
    api = http_load.Api(stack.url)
    run = http_load.new_run_id()
    setup = http_load.mixed_setup(api, run)
    clients, rounds = args.clients, args.rounds
    # First contact: every function scales out from nothing while the clients wait (cold starts).
    cold = http_load.mixed_traffic(api, setup, clients, rounds, f"{clients} clients, cold", run)
    one = http_load.mixed_traffic(api, setup, 1, clients * rounds // 4, "1 client", run)
    warm = http_load.mixed_traffic(api, setup, clients, rounds, f"{clients} clients, warm", run)
    return {
        "one_client": one,
        "many_clients_cold": cold,
        "many_clients_warm": warm,
        "ratio_warm": round(warm["requests_per_s"] / one["requests_per_s"], 2),
        "ratio_cold": round(cold["requests_per_s"] / one["requests_per_s"], 2),
    }


def _rush(stack: RunningStack, args: argparse.Namespace) -> dict[str, Any]:
    api = http_load.Api(stack.url)
    run = http_load.new_run_id()
    sale_id = rush.create_sale(api, run, args.stock)
    members, setup_seconds = rush.setup_members(api, run, args.members, threads=32)
    through_stack = rush.rush(api, sale_id, members, args.threads, args.stock)
    accepted = through_stack.pop("_accepted_members")
    settled = rush.wait_settled(api, sale_id, accepted, through_stack.pop("_last_answer"))
    checked = rush.check(api, sale_id, members, settled.pop("_statuses"), args.stock)
    direct = rush.direct_engine(
        stack.dynamodb_endpoint, stack.table_name, members, args.threads, claims=args.members
    )
    return {
        "members_setup_seconds": round(setup_seconds, 1),
        "through_stack": through_stack,
        "settling": settled,
        "check": checked,
        "direct_engine": direct,
        "ratio_to_direct": round(through_stack["accepted_per_s"] / direct["claims_per_s"], 2),
    }


def _imports(stack: Stack, _: argparse.Namespace) -> dict[str, Any]:
    return imports.import_times(stack.template, stack.function_env)


def _sweep(stack: Stack, args: argparse.Namespace) -> dict[str, Any]:
    return {"runs": sweep.sweep_scaling(stack, args.sweep_sizes)}


HTTP_RUNNERS: dict[str, Callable[[RunningStack, argparse.Namespace], dict[str, Any]]] = {
    "gateway": _gateway,
    "mixed": _mixed,
    "rush": _rush,
}
IN_PROCESS_RUNNERS: dict[str, Callable[[Stack, argparse.Namespace], dict[str, Any]]] = {
    "round_trips": _round_trips,
    "imports": _imports,
    "sweep": _sweep,
}


def _public(value: Any) -> Any:
    """Drop helper fields (leading underscore) before writing JSON."""
    if isinstance(value, dict):
        return {k: _public(v) for k, v in value.items() if not str(k).startswith("_")}
    if isinstance(value, list):
        return [_public(v) for v in value]
    return value


if __name__ == "__main__":
    sys.exit(main())
