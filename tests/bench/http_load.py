"""Load through the local stack's HTTP front door: keep-alive latency, fresh-connection bursts and mixed
member traffic, measured from the client's side with plain keep-alive sessions (one per thread)."""

from __future__ import annotations

import socket
import statistics
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import requests

from tests.bench.progress import Progress


class Api:
    """One keep-alive HTTP session per thread against the stack."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._local = threading.local()

    @property
    def http(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session

    def call(
        self, method: str, path: str, body: Any = None, token: str | None = None, **headers: str
    ) -> tuple[int, Any]:
        if token:
            headers["authorization"] = f"Bearer {token}"
        response = self.http.request(method, self.url + path, json=body, headers=headers, timeout=120)
        return response.status_code, response.json() if response.content else None

    def ok(self, method: str, path: str, body: Any = None, token: str | None = None, **headers: str) -> Any:
        status, answer = self.call(method, path, body, token, **headers)
        if status >= 300:
            raise AssertionError(f"{method} {path} -> {status} {answer}")
        return answer

    def login(self, code: str) -> str:
        return str(self.ok("POST", "/auth/login", {"code": code})["token"])


@dataclass
class Timings:
    """Latencies (seconds) and outcomes of a set of requests."""

    latencies: list[float] = field(default_factory=list)
    outcomes: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, seconds: float, outcome: str) -> None:
        with self.lock:
            self.latencies.append(seconds)
            self.outcomes[outcome] += 1

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]

    def summary(self) -> dict[str, Any]:
        return {
            "requests": len(self.latencies),
            "p50_ms": round(self.percentile(50) * 1000, 1),
            "p99_ms": round(self.percentile(99) * 1000, 1),
            "max_ms": round(max(self.latencies, default=0.0) * 1000, 1),
            "outcomes": dict(self.outcomes),
        }


def outcome(status: int, body: Any) -> str:
    if status < 300:
        return str(status)
    code = body.get("error", {}).get("code") if isinstance(body, dict) else None
    return f"{status} {code}" if code else str(status)


def keepalive_latency(api: Api, token: str, requests_count: int = 200) -> dict[str, Any]:
    """Sequential GET /me on one keep-alive connection: what one client waits per request."""
    for _ in range(10):
        api.ok("GET", "/me", token=token)
    timings = Timings()
    for _ in range(requests_count):
        started = time.perf_counter()
        status, body = api.call("GET", "/me", token=token)
        timings.add(time.perf_counter() - started, outcome(status, body))
    return timings.summary() | {"median_ms": round(statistics.median(timings.latencies) * 1000, 2)}


def fresh_connection_bursts(port: int, token: str, bursts: int = 3, size: int = 200) -> dict[str, Any]:
    """``size`` clients connect at the same instant, each sending one GET /me and closing."""
    request = (
        f"GET /me HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    results: Counter[str] = Counter()
    slowest = 0.0
    for _ in range(bursts):
        start = threading.Barrier(size)

        def one(_: int) -> tuple[str, float]:
            start.wait()
            began = time.perf_counter()
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=60) as conn:
                    conn.sendall(request)
                    answer = b""
                    while chunk := conn.recv(65536):
                        answer += chunk
            except OSError as exc:
                return type(exc).__name__, time.perf_counter() - began
            status = answer.split(b" ", 2)[1].decode() if answer.startswith(b"HTTP/1.") else "no answer"
            return status, time.perf_counter() - began

        with ThreadPoolExecutor(size) as threads:
            for status, seconds in threads.map(one, range(size)):
                results[status] += 1
                slowest = max(slowest, seconds)
    errors = sum(n for status, n in results.items() if status != "200")
    return {
        "bursts": bursts,
        "connections": bursts * size,
        "errors": errors,
        "outcomes": dict(results),
        "slowest_ms": round(slowest * 1000),
    }


@dataclass(frozen=True)
class MixedSetup:
    service: str  # a service token (merchant back end) for earn
    sku: str  # a product with stock for every redemption


def mixed_setup(api: Api, run: str) -> MixedSetup:
    admin = api.login("dev-admin:bench")
    product = {
        "name": "Bench voucher",
        "category": "bench",
        "type": "VIRTUAL",
        "pointsPrice": 100,
        "cashPriceFen": 0,
        "stock": 1_000_000,
        "status": "ON_SHELF",
        "perMemberLimit": 100,
    }
    sku = f"bench-{run}"
    api.ok("PUT", f"/admin/products/{sku}", product, admin)
    return MixedSetup(api.login("dev-service:bench"), sku)


def mixed_traffic(
    api: Api, setup: MixedSetup, clients: int, rounds: int, label: str, run: str
) -> dict[str, Any]:
    """Each client repeats a member's visit with a new member: login (opens the account), sign-in, a
    purchase reported by the merchant (earn), GET /me and a redemption: 5 requests per round."""
    timings = Timings()
    prefix = run + "".join(ch for ch in label if ch.isalnum())

    def visit(member: str) -> None:
        def timed(method: str, path: str, body: Any = None, token: str | None = None, **headers: str) -> Any:
            started = time.perf_counter()
            status, answer = api.call(method, path, body, token, **headers)
            timings.add(time.perf_counter() - started, outcome(status, answer))
            return answer

        token = timed("POST", "/auth/login", {"code": f"dev:{member}"})["token"]
        timed("POST", "/sign-in", token=token)
        purchase = {"memberId": member, "eventId": f"p-{member}", "kind": "PURCHASE", "amountFen": 50_000}
        timed("POST", "/earn", purchase, setup.service)
        timed("GET", "/me", token=token)
        redemption = {"sku": setup.sku, "quantity": 1}
        timed("POST", "/redemptions", redemption, token, **{"Idempotency-Key": member})

    members = [f"{prefix}c{c}r{r}" for r in range(rounds) for c in range(clients)]

    def visit_and_count(member: str) -> None:
        visit(member)
        bar.advance()

    started = time.perf_counter()
    with Progress(f"mixed traffic, {label}", len(members)) as bar:
        run_all(clients, members, visit_and_count)
    elapsed = time.perf_counter() - started
    summary = timings.summary()
    return {
        "clients": clients,
        "requests": summary["requests"],
        "seconds": round(elapsed, 2),
        "requests_per_s": round(summary["requests"] / elapsed, 1),
        **{k: summary[k] for k in ("p50_ms", "p99_ms", "outcomes")},
    }


def run_all(threads: int, items: Iterable[Any], work: Callable[[Any], Any]) -> list[Any]:
    """Run ``work`` over ``items`` on ``threads`` threads; the first failure is raised."""
    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(work, items))


def new_run_id() -> str:
    return uuid.uuid4().hex[:6]
