"""The local stack under load: the gateway's robustness (bursts of fresh connections, bad Content-Length,
bodies over API Gateway's limit, clients that stall) and the Lambda-like pool (warm environments per
function, arrival order, reaping, provisioned concurrency), on the runner's small fake project.
"""

from __future__ import annotations

import itertools
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests

from local_stack import REPO_ROOT
from local_stack.gateway import MAX_BODY_BYTES
from local_stack.local_server import FunctionInvoker, Stack, running_stack
from local_stack.template import load_template, provisioned_concurrency
from local_stack.workers import WorkerPool
from tests.stack.test_local_server import write_project

IDLE_TIMEOUT = 1  # seconds a connection may sit idle (or stalled) before the gateway closes it


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_project(tmp_path_factory.mktemp("project"))


@pytest.fixture(scope="module")
def stack(project: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    state = tmp_path_factory.mktemp("state")
    with running_stack(
        template_path=project,
        workers=4,
        function_workers=2,
        idle_timeout=IDLE_TIMEOUT,
        seed=False,
        state_dir=state,
    ) as running:
        yield running


def raw(stack: Stack, request: bytes, timeout: float = 10) -> bytes:
    """Send bytes on a fresh connection and read until the server closes it (or ``timeout``)."""
    with socket.create_connection(("127.0.0.1", stack.port), timeout=timeout) as conn:
        conn.sendall(request)
        received = b""
        while chunk := conn.recv(65536):
            received += chunk
        return received


def status_of(response: bytes) -> int:
    return int(response.split(b" ", 2)[1]) if response.startswith(b"HTTP/1.") else 0


# --- the template (no engines) -----------------------------------------------------------------------


def test_provisioned_concurrency_follows_its_parameter_and_condition(project: Path) -> None:
    template = load_template(project)
    slow = template.function("SlowFunction")
    assert provisioned_concurrency(slow, template, {}) == 1
    assert provisioned_concurrency(slow, template.with_parameters({"SlowWarm": "3"}), {}) == 3
    assert provisioned_concurrency(slow, template.with_parameters({"SlowWarm": "0"}), {}) == 0  # NoValue
    assert provisioned_concurrency(template.function("ApiFunction"), template, {}) == 0
    with pytest.raises(ValueError, match="no such parameter: Nope"):
        template.with_parameters({"Nope": "1"})


def test_only_functions_no_request_waits_for_run_in_the_background() -> None:
    """The app's template: queue, stream and schedule functions yield the CPU; routes and the API's
    authorizer (which has no route of its own but sits in front of nearly every request) do not."""
    template = load_template(REPO_ROOT / "template.yaml")
    invoker = FunctionInvoker(template, {fn.logical_id: {} for fn in template.functions}, pool=None)  # type: ignore[arg-type]
    background = {
        fn.logical_id for fn in template.functions if invoker.invocation(fn.logical_id, {}).background
    }
    assert "AuthorizerFunction" not in background and "FlashClaimFunction" not in background
    assert {"FlashSettleFunction", "StatsAggregatorFunction", "ExpirySweepFunction"} <= background


# --- the pool on its own (no engines) ----------------------------------------------------------------


def test_idle_environments_are_reaped_but_provisioned_ones_stay(project: Path) -> None:
    template = load_template(project)
    with WorkerPool(8, per_function=4, sys_path=[str(REPO_ROOT)], idle_seconds=0.5) as pool:
        invoker = FunctionInvoker(template, {fn.logical_id: {} for fn in template.functions}, pool)
        assert invoker.provision("SlowFunction", 1) == 1
        assert pool.cold_starts == 1
        first = invoker.invoke("SlowFunction", {"queryStringParameters": {}})
        assert first.ok and first.payload["initType"] == "provisioned-concurrency"
        assert pool.cold_starts == 1, "a provisioned environment serves without a cold start"
        with ThreadPoolExecutor(3) as threads:
            sleepy = {"queryStringParameters": {"sleep": "0.5"}}
            results = list(threads.map(lambda _: invoker.invoke("SlowFunction", sleepy), range(3)))
        assert all(r.ok for r in results)
        assert {r.payload["initType"] for r in results} == {"provisioned-concurrency", "on-demand"}
        assert pool.sizes() == {"SlowFunction": 3}
        deadline = time.monotonic() + 10
        while pool.sizes() != {"SlowFunction": 1} and time.monotonic() < deadline:
            time.sleep(0.1)
        assert pool.sizes() == {"SlowFunction": 1}, "idle on-demand environments are reaped"
        again = invoker.invoke("SlowFunction", {"queryStringParameters": {}})
        assert again.payload["pid"] == first.payload["pid"]


# --- the gateway ---------------------------------------------------------------------------------------


def test_provisioned_environments_are_warm_before_the_stack_is_ready(stack: Stack) -> None:
    status = requests.get(stack.url + "/_local/environments", timeout=30).json()
    # Seed off and nothing invoked yet: only the provisioned environment exists, initialised and idle.
    assert status["functions"] == {
        "SlowFunction": {"idle": 1, "busy": 0, "starting": 0, "provisioned": 1, "waiting": 0}
    }
    assert (status["maxEnvironments"], status["maxPerFunction"], status["coldStarts"]) == (4, 2, 1)
    body = requests.get(stack.url + "/slow", timeout=30).json()
    assert body["initType"] == "provisioned-concurrency"
    assert stack.invoker._pool.cold_starts == 1, "served warm: no environment started for it"


def test_a_burst_of_200_fresh_connections_is_all_answered(stack: Stack) -> None:
    ready = threading.Barrier(200)

    def fresh(i: int) -> int:
        ready.wait()
        return status_of(
            raw(stack, f"GET /orders/{i} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        )

    for _ in range(2):
        with ThreadPoolExecutor(200) as threads:
            statuses = Counter(threads.map(fresh, range(200)))
        assert statuses == {201: 200}


def test_a_bad_content_length_is_400_and_holds_nothing(stack: Stack) -> None:
    for lengths in (["-1"], ["abc"], ["1.5"], ["5", "6"]):
        head = "".join(f"Content-Length: {n}\r\n" for n in lengths)
        request = f"POST /orders HTTP/1.1\r\nHost: x\r\n{head}\r\n{{}}".encode()
        assert status_of(raw(stack, request)) == 400, lengths
    assert requests.get(stack.url + "/orders/1", timeout=30).status_code == 201


def test_a_body_over_10_mb_is_413_before_it_is_read(stack: Stack) -> None:
    too_big = f"POST /orders HTTP/1.1\r\nHost: x\r\nContent-Length: {MAX_BODY_BYTES + 1}\r\n\r\n"
    started = time.monotonic()
    assert status_of(raw(stack, too_big.encode())) == 413  # answered without sending the body
    assert time.monotonic() - started < 5
    huge = "POST /orders HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n"
    assert status_of(raw(stack, huge.encode())) == 413
    # Exactly the limit is accepted (no route here, so the gateway answers 404 without a function).
    at_limit = requests.post(stack.url + "/nowhere", data=b"x" * MAX_BODY_BYTES, timeout=60)
    assert at_limit.status_code == 404


def test_a_client_that_stalls_holds_no_thread_and_is_dropped(stack: Stack) -> None:
    stalls = [
        b"GET /orders/1 HTTP/1.1\r\nHost: x\r\n",  # mid-headers
        b"POST /orders HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{",  # mid-body
    ]
    stalled = []
    for i in range(150):  # more than the gateway has threads
        conn = socket.create_connection(("127.0.0.1", stack.port), timeout=IDLE_TIMEOUT + 10)
        conn.sendall(stalls[i % 2])
        stalled.append(conn)
    try:
        started = time.monotonic()
        assert requests.get(stack.url + "/orders/1", timeout=30).status_code == 201
        assert time.monotonic() - started < 5, "stalled clients must not delay anyone else"
        for conn in stalled:
            assert conn.recv(65536) == b"", "a stalled connection is closed after the idle timeout"
    finally:
        for conn in stalled:
            conn.close()
    # An idle keep-alive connection is closed the same way.
    with socket.create_connection(("127.0.0.1", stack.port), timeout=IDLE_TIMEOUT + 10) as conn:
        conn.sendall(b"GET /orders/1 HTTP/1.1\r\nHost: x\r\n\r\n")
        time.sleep(IDLE_TIMEOUT + 3)
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
        assert status_of(answer) == 201


# --- the pool behind the gateway ----------------------------------------------------------------------


def test_two_functions_alternating_under_concurrency_keep_their_warm_workers(stack: Stack) -> None:
    """Two threads each alternate between two functions.  Each function is first scaled to its cap of 2
    (4 in all, the global cap), so from then on no environment may be stopped or started again."""
    with ThreadPoolExecutor(4) as threads:
        api = [threads.submit(requests.get, stack.url + "/sleep", timeout=30) for _ in range(2)]
        slow = [threads.submit(requests.get, stack.url + "/slow?sleep=0.5", timeout=30) for _ in range(2)]
        warm = {("api", f.result().json()["pid"]) for f in api} | {
            ("slow", f.result().json()["pid"]) for f in slow
        }
    assert len(warm) == 4
    pool = stack.invoker._pool
    cold_starts = pool.cold_starts

    def alternate(rounds: int) -> list[tuple[str, int]]:
        served = []
        with requests.Session() as session:
            for _ in range(rounds):
                api = session.get(stack.url + "/orders/1", timeout=30)
                slow = session.get(stack.url + "/slow", params={"sleep": "0.02"}, timeout=30)
                assert (api.status_code, slow.status_code) == (201, 200)
                served += [("api", api.json()["pid"]), ("slow", slow.json()["pid"])]
        return served

    with ThreadPoolExecutor(2) as threads:
        served = set(itertools.chain.from_iterable(threads.map(alternate, [25, 25])))
    assert pool.cold_starts == cold_starts, "no environment was started again"
    assert served <= warm, "every request was served by an environment warmed up before"
    assert pool.sizes() == {"ApiFunction": 2, "SlowFunction": 2}


def test_waiting_requests_are_served_in_arrival_order(stack: Stack) -> None:
    """SlowFunction is at its cap of 2 while five more requests arrive one by one; they start in the
    order they arrived (each is seen waiting before the next is sent). Two environments serve them, so
    two neighbours in the queue may be handed out together and record their start times a fraction of a
    millisecond either way; but a request never starts before one that arrived two places earlier, which
    was handed out at least one request (0.1 s) before it."""

    def slow(seconds: float) -> dict[str, Any]:
        response = requests.get(stack.url + "/slow", params={"sleep": str(seconds)}, timeout=30)
        assert response.status_code == 200
        return dict(response.json())

    def until(busy: int, waiting: int) -> None:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            slow_status = stack.invoker._pool.status()["functions"].get("SlowFunction", {})
            if (slow_status.get("busy"), slow_status.get("waiting")) == (busy, waiting):
                return
            time.sleep(0.005)
        raise AssertionError(f"SlowFunction never had {busy} busy and {waiting} waiting: {slow_status}")

    with ThreadPoolExecutor(7) as threads:
        blockers = [threads.submit(slow, 0.9) for _ in range(2)]
        until(busy=2, waiting=0)
        queued = []
        for arrived in range(1, 6):
            queued.append(threads.submit(slow, 0.1))
            until(busy=2, waiting=arrived)
        starts = [f.result()["started"] for f in queued]
        assert all(f.result()["ok"] for f in blockers)
    assert all(starts[i] < starts[j] for i in range(5) for j in range(i + 2, 5)), starts


# --- Ctrl-C -------------------------------------------------------------------------------------------


def test_ctrl_c_stops_everything_within_5_s_with_requests_in_flight(project: Path, tmp_path: Path) -> None:
    command = [sys.executable, "-m", "local_stack.local_server", "--template", str(project), "--port", "0"]
    runner = subprocess.Popen(  # its own process group, as a terminal's foreground job
        [*command, "--no-seed", "--workers", "4", "--log-file", str(tmp_path / "handlers.log")],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )
    try:
        assert runner.stdout is not None
        url = dynamodb = ""
        for line in runner.stdout:
            if line.startswith("Local stack ready"):
                url = line.rsplit(" ", 1)[1].strip()
            elif line.startswith("  DynamoDB: "):
                dynamodb = line.split()[1]
                break
        assert url and dynamodb, "the stack did not start"
        in_flight = ThreadPoolExecutor(12)
        for _ in range(12):  # more than the 4 workers: some run, the rest wait
            in_flight.submit(requests.get, url + "/slow", params={"sleep": "0.9"}, timeout=30)
        time.sleep(0.5)
        started = time.monotonic()
        os.killpg(runner.pid, signal.SIGINT)  # what Ctrl-C sends: the whole foreground process group
        runner.wait(timeout=15)
        stopped_in = time.monotonic() - started
        in_flight.shutdown(wait=True)
        assert stopped_in < 5, f"stopping took {stopped_in:.1f} s"
        output = runner.stdout.read()
        assert runner.returncode == 0, output
        leftovers = ["?"]
        deadline = time.monotonic() + 3  # the forkserver notices its parent is gone on its own
        while leftovers and time.monotonic() < deadline:
            group = subprocess.run(
                ["pgrep", "-g", str(runner.pid)], check=False, capture_output=True, text=True
            )
            leftovers = group.stdout.split()
            time.sleep(0.1)
        assert leftovers == [], f"processes left behind: {leftovers}"
        for endpoint in (url + "/orders/1", dynamodb):
            with pytest.raises(requests.ConnectionError):
                requests.get(endpoint, timeout=2)
    finally:
        if runner.poll() is None:
            os.killpg(runner.pid, signal.SIGKILL)
            runner.wait()
