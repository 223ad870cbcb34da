"""The readable summary of ``make bench``: the README's tables, each figure next to its target."""

from __future__ import annotations

from typing import Any

from tests.bench import round_trips

PROVISIONED_PARAMETER = "FlashSaleProvisionedConcurrency"


def report(results: dict[str, Any]) -> str:
    machine, stack = results["machine"], results["stack"]
    out = [
        f"make bench, {results['started']}: {machine['cpus']} CPUs, load average "
        f"{machine['load_average_at_start'][0]:.2f} at start and {machine['load_average_at_end'][0]:.2f} "
        f"at the end, {results['seconds']} s in all",
        f"stack: at most {stack['workers']} environments, {stack['function_workers']} per function, "
        f"{PROVISIONED_PARAMETER}={stack[PROVISIONED_PARAMETER]}",
    ]
    if "ready_seconds" in stack:
        out.append(
            f"make run: ready in {stack['ready_seconds']} s with {stack['environments_at_ready']} warm; "
            f"Ctrl-C stopped it in {stack['ctrl_c_seconds']} s; {stack['cold_starts']} cold starts in all"
        )
    for phase, section in (
        ("round_trips", _round_trips),
        ("gateway", _gateway),
        ("mixed", _mixed),
        ("rush", _rush),
        ("imports", _imports),
        ("sweep", _sweep),
    ):
        if phase in results:
            out += ["", *section(results[phase])]
    return "\n".join(out)


def _round_trips(rt: dict[str, Any]) -> list[str]:
    return [round_trips.table(rt["rows"])]


def _gateway(gw: dict[str, Any]) -> list[str]:
    keep, fresh = gw["keepalive_get_me"], gw["fresh_connections"]
    burst = fresh["connections"] // fresh["bursts"]
    return [
        "| front door | figure |",
        "|---|---|",
        f"| keep-alive GET /me, one client | median {keep['median_ms']} ms, p99 {keep['p99_ms']} ms |",
        f"| {fresh['bursts']} bursts of {burst} fresh connections (target: no errors) "
        f"| {fresh['errors']} errors, slowest {fresh['slowest_ms']} ms |",
    ]


def _mixed(mixed: dict[str, Any]) -> list[str]:
    out = [
        "| mixed member traffic (login, sign-in, earn, GET /me, redeem) | requests/s | p50 ms | p99 ms |",
        "|---|---|---|---|",
    ]
    many = mixed["many_clients_warm"]["clients"]
    for key, label in (
        ("one_client", "1 client"),
        ("many_clients_cold", f"{many} clients, first contact (functions scale out cold)"),
        ("many_clients_warm", f"{many} clients, warm"),
    ):
        row = mixed[key]
        out.append(f"| {label} | {row['requests_per_s']} | {row['p50_ms']} | {row['p99_ms']} |")
    out.append(
        f"{many} clients / 1 client: {mixed['ratio_warm']}× warm (target ≥ 1.0×), "
        f"{mixed['ratio_cold']}× while scaling out cold"
    )
    return out


def _rush(r: dict[str, Any]) -> list[str]:
    s, d, c, st = r["through_stack"], r["direct_engine"], r["check"], r["settling"]
    outcomes = ", ".join(f"{k}: {v}" for k, v in sorted(s["outcomes"].items()))
    return [
        f"| flash-sale rush: {s['claims']} members, {s['stock']} units, {s['threads']} threads | figure |",
        "|---|---|",
        f"| members set up (login + earn) | {r['members_setup_seconds']} s |",
        f"| accepted claims/s through make run | {s['accepted_per_s']} (sold out after "
        f"{s['seconds_to_sell_out']} s) |",
        f"| claim latency p50 / p99 / max, every claim (target p99 < 2 s) "
        f"| {s['p50_ms']} / {s['p99_ms']} / {s['max_ms']} ms |",
        f"| claim latency p50 / p99, accepted claims | {s['accepted_p50_ms']} / {s['accepted_p99_ms']} ms |",
        f"| answers (target: all, no 5xx) | {s['unanswered']} unanswered, {s['server_errors']} 5xx; "
        f"{outcomes} |",
        f"| every claim settled, seconds after the last answer (target ≤ 30 s) "
        f"| {st['settled_seconds_after_last_answer']} s, {st['still_queued']} still queued |",
        f"| exactly the stock confirmed, every balance right | {c['confirmed']} confirmed, "
        f"{c['stock_left']} left, {c['wrong_balances']} wrong balances: {'ok' if c['ok'] else 'FAILED'} |",
        f"| the same claims' DynamoDB calls straight from boto3, {d['threads']} threads "
        f"| {d['claims_per_s']} claims/s (p50 {d['p50_ms']} ms, p99 {d['p99_ms']} ms) |",
        f"| through make run / direct (target ≥ 0.3) | {r['ratio_to_direct']} |",
    ]


def _imports(im: dict[str, Any]) -> list[str]:
    heaviest = ", ".join(f"{t['module']} {t['ms']} ms" for t in im["worst_top_imports"])
    return [
        f"| function import, fresh process (bare boto3 handler: {im['baseline_ms']} ms) "
        "| ms | × bare (target ≤ 1.5) |",
        "|---|---|---|",
        *(f"| {name} | {row['ms']} | {row['ratio']} |" for name, row in im["functions"].items()),
        f"heaviest imports of {im['worst']}: {heaviest}",
        f"with Tracing: Active (on Lambda; off here) the X-Ray SDK adds {im['xray_on_top_ms']} ms to each",
    ]


def _sweep(sw: dict[str, Any]) -> list[str]:
    return [
        "| expiry sweep: accounts in the table | due | expired | items read | round trips | seconds |",
        "|---|---|---|---|---|---|",
        *(
            f"| {run['accounts']} | {run['due']} | {run['expired']} | {run['items_read']} "
            f"| {run['round_trips']} | {run['seconds']} |"
            for run in sw["runs"]
        ),
    ]
