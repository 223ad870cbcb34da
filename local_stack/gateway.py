"""The HTTP front door: an API Gateway HTTP API (payload 2.0) in front of the local functions.

Also serves the local-only control routes, which do not exist in the deployed API:
``/_local/clock`` (GET, POST ``{"now": ...}``, DELETE) and ``POST /_local/jobs/{name}/run``; a GET that
no API route matches may be a page (``local_stack.static_site``).
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from local_stack import clock, static_site
from local_stack.authorizer import Authorizers
from local_stack.events import HttpRequest, HttpResponse, http_api_event, http_api_response, scheduled_event
from local_stack.lambda_runtime import InvocationResult
from local_stack.routing import Router
from local_stack.template import ScheduleEvent

log = logging.getLogger(__name__)

JOB_PATH = re.compile(r"^/_local/jobs/([^/]+)/run/?$")
CLOCK_PATH = "/_local/clock"


@dataclass(frozen=True)
class Backend:
    """What the front door talks to: the router, the function invoker, scheduled jobs and the clock file."""

    router: Router
    invoke: Callable[[str, Any], InvocationResult]
    jobs: Mapping[str, ScheduleEvent]
    clock_file: Path
    # The routes' Lambda authorizers, run before the route as API Gateway does (None: not emulated).
    authorizers: Authorizers | None = None


class GatewayServer(ThreadingHTTPServer):
    """One thread per connection; invocations themselves are bounded by the worker pool."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], backend: Backend | None = None) -> None:
        super().__init__(address, GatewayHandler)
        self.backend = backend

    @property
    def port(self) -> int:
        return int(self.server_address[1])


class GatewayHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "local-http-api"
    server: GatewayServer

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = do_GET

    def __getattr__(self, name: str) -> Any:
        # Any other method (TRACE, QUERY, ...) reaches routing too: a 404/405 as API Gateway answers, not 501.
        if name.startswith("do_"):
            return self.do_GET
        raise AttributeError(name)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug(format, *args)

    def _serve(self) -> None:
        started = time.monotonic()
        request_id = str(uuid.uuid4())
        try:
            request = self._read_request()
        except ValueError as exc:
            self._send(_error(400, "BAD_REQUEST", str(exc)), request_id)
            return
        backend = self.server.backend
        if backend is None:
            response, target = _error(503, "STARTING", "the local stack is still starting"), "-"
        else:
            try:
                response, target = _dispatch(backend, request, request_id, self.headers.get("host", ""))
            except Exception:  # a runner bug or shutdown: answer like API Gateway rather than hang up
                log.exception("%s %s failed inside the local runner", request.method, request.raw_path)
                response, target = _api_message(500, "Internal Server Error"), "-"
        self._send(response, request_id)
        log.info(
            "%s %s -> %d %s (%.0f ms)",
            request.method,
            request.raw_path,
            response.status,
            target,
            (time.monotonic() - started) * 1000,
        )

    def _read_request(self) -> HttpRequest:
        split = urlsplit(self.path)
        if self.headers.get("transfer-encoding", "").lower() == "chunked":
            body = self._read_chunked()
        else:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
        return HttpRequest(
            method=self.command.upper(),
            raw_path=split.path or "/",
            raw_query=split.query,
            headers=list(self.headers.items()),
            body=body,
            source_ip=self.client_address[0],
        )

    def _read_chunked(self) -> bytes:
        chunks: list[bytes] = []
        while True:
            size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline().strip():
                    pass  # trailers
                return b"".join(chunks)
            chunks.append(self.rfile.read(size))
            self.rfile.readline()

    def _send(self, response: HttpResponse, request_id: str) -> None:
        self.send_response(response.status)
        names = {name.lower() for name, _ in response.headers}
        for name, value in response.headers:
            if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(name, value)
        if "apigw-requestid" not in names:
            self.send_header("apigw-requestid", request_id)
        self.send_header("content-length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)


def _dispatch(backend: Backend, request: HttpRequest, request_id: str, host: str) -> tuple[HttpResponse, str]:
    """Local control routes first, then the template's routes; returns the response and who served it."""
    path = request.raw_path
    if path.rstrip("/") == CLOCK_PATH:
        return _clock(backend, request), "[clock]"
    job = JOB_PATH.match(path)
    if job:
        return _run_job(backend, request, job.group(1)), f"[job {job.group(1)}]"
    match = backend.router.match(request.method, path)
    if match is None:
        page = static_site.response(request.method, path)  # the console, member page and API explorer
        return (page, "[static]") if page else (_unmatched(backend, request), "-")
    event = http_api_event(
        request,
        route_key=match.route_key,
        path_parameters=match.path_parameters,
        request_id=request_id,
        host=host or "localhost",
    )
    if backend.authorizers is not None:
        stopped = backend.authorizers.apply(match.authorizer, event)
        if stopped is not None:
            return _json(stopped.status, stopped.body), f"[authorizer {match.authorizer}]"
    return _proxy_response(match.target, backend.invoke(match.target, event)), match.target


def _unmatched(backend: Backend, request: HttpRequest) -> HttpResponse:
    allowed = backend.router.allowed_methods(request.raw_path)
    if not allowed:
        return _error(404, "NOT_FOUND", f"no route for {request.method} {request.raw_path}")
    response = _error(405, "METHOD_NOT_ALLOWED", f"{request.method} not allowed on {request.raw_path}")
    return HttpResponse(405, [*response.headers, ("allow", ", ".join(allowed))], response.body)


def _proxy_response(target: str, result: InvocationResult) -> HttpResponse:
    """What HTTP API answers for a Lambda proxy integration's result, failures included."""
    if not result.ok:
        log.error("%s failed: %s: %s", target, result.error_type, result.payload.get("errorMessage"))
        if result.error_type == "Sandbox.Timedout":
            return _api_message(503, "Service Unavailable")
        return _api_message(500, "Internal Server Error")
    try:
        return http_api_response(result.payload)
    except (KeyError, TypeError, ValueError) as exc:
        log.error("%s returned a malformed HTTP API response: %s", target, exc)
        return _api_message(500, "Internal Server Error")


def _clock(backend: Backend, request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        pass
    elif request.method == "DELETE":
        clock.reset(backend.clock_file)
    elif request.method == "POST":
        try:
            body = json.loads(request.body or b"{}")
            when = clock.parse_now(body.get("now") if isinstance(body, dict) else None)
        except ValueError as exc:
            message = str(exc) if str(exc).startswith("now:") else f"now: body is not JSON ({exc})"
            return _error(400, "VALIDATION_ERROR", message)
        offset = clock.set_now(backend.clock_file, when)
        return _json(200, {"now": when.isoformat(), "offsetSeconds": offset})
    else:
        return _error(405, "METHOD_NOT_ALLOWED", f"{request.method} not allowed on {CLOCK_PATH}")
    offset = clock.offset_seconds(backend.clock_file)
    return _json(200, {"now": clock.now(backend.clock_file).isoformat(), "offsetSeconds": offset})


def _run_job(backend: Backend, request: HttpRequest, name: str) -> HttpResponse:
    if request.method != "POST":
        return _error(405, "METHOD_NOT_ALLOWED", "jobs are run with POST")
    schedule = backend.jobs.get(name)
    if schedule is None:
        known = ", ".join(sorted(backend.jobs)) or "none"
        return _error(404, "JOB_NOT_FOUND", f"no function {name!r} with a schedule (known: {known})")
    result = backend.invoke(name, scheduled_event(clock.now(backend.clock_file), schedule.input))
    if not result.ok:
        return _error(500, "JOB_FAILED", f"{result.error_type}: {result.payload.get('errorMessage')}")
    return _json(200, {"job": name, "result": result.payload})


def _json(status: int, body: Any) -> HttpResponse:
    return HttpResponse(
        status, [("content-type", "application/json")], json.dumps(body, ensure_ascii=False).encode("utf-8")
    )


def _error(status: int, code: str, message: str) -> HttpResponse:
    return _json(status, {"error": {"code": code, "message": message}})


def _api_message(status: int, message: str) -> HttpResponse:
    """API Gateway's own body when the integration fails, so clients see what production sends."""
    return _json(status, {"message": message})
