"""The HTTP front door: an API Gateway HTTP API (payload 2.0) in front of the local functions.

Also serves the local-only control routes, which do not exist in the deployed API:
``/_local/clock`` (GET, POST ``{"now": ...}``, DELETE), ``POST /_local/jobs/{name}/run`` and
``GET /_local/environments`` (each function's execution environments: what is warm, what started cold);
a GET that no API route matches may be a page (``local_stack.static_site``).
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from waitress import wasyncore
from waitress.channel import HTTPChannel
from waitress.server import TcpWSGIServer
from waitress.task import WSGITask, hop_by_hop

from local_stack import clock, static_site
from local_stack.authorizer import Authorizers
from local_stack.events import HttpRequest, HttpResponse, http_api_event, http_api_response, scheduled_event
from local_stack.lambda_runtime import InvocationResult
from local_stack.routing import Router
from local_stack.template import ScheduleEvent

log = logging.getLogger(__name__)
# waitress warns whenever a request waits for a thread; here waiting is normal (functions are at their cap).
logging.getLogger("waitress.queue").setLevel(logging.ERROR)

JOB_PATH = re.compile(r"^/_local/jobs/([^/]+)/run/?$")
CLOCK_PATH = "/_local/clock"
ENVIRONMENTS_PATH = "/_local/environments"
# API Gateway's payload limit: a larger body is answered 413 before it reaches a function.
MAX_BODY_BYTES = 10 * 1024 * 1024
# A burst of fresh connections waits in the kernel's queue instead of being reset.
LISTEN_BACKLOG = 1024
# A keep-alive connection (or one that stalls mid-request) is closed after this long without traffic.
IDLE_TIMEOUT_SECONDS = 60
# Threads that call functions; a request beyond them queues in arrival order.  Calls mostly wait on a
# worker, so these are cheap; they must exceed the worker caps so one busy function never blocks another.
DEFAULT_THREADS = 128
_NOT_FORWARDED = {
    *hop_by_hop,
    "content-length",
}  # waitress owns these; a WSGI app may not set hop-by-hop ones
_ENVIRON_HEADERS = {"CONTENT_TYPE": "content-type", "CONTENT_LENGTH": "content-length"}

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


@dataclass(frozen=True)
class Backend:
    """What the front door talks to: the router, the function invoker, scheduled jobs and the clock file."""

    router: Router
    invoke: Callable[[str, Any], InvocationResult]
    jobs: Mapping[str, ScheduleEvent]
    clock_file: Path
    environments: Callable[[], dict[str, Any]] = dict
    # The routes' Lambda authorizers, run before the route as API Gateway does (None: not emulated).
    authorizers: Authorizers | None = None


class _OneWriteTask(WSGITask):  # type: ignore[misc]
    """waitress sends the header block and the body with two sends; a small response should be one TCP
    segment, so the whole response goes out in one write when the body is known up front (it always is
    here: handlers answer with a complete body)."""

    def write(self, data: bytes) -> None:
        if self.wrote_header or not data:
            super().write(data)
            return
        header = self.build_response_header()
        self.wrote_header = True
        if self.chunked_response or not self.has_body or self.content_length != len(data):
            self.channel.write_soon(header)
            super().write(data)  # waitress's own rules for anything unusual
            return
        self.content_bytes_written += len(data)
        self.channel.write_soon(header + data)


class _Channel(HTTPChannel):  # type: ignore[misc]
    task_class = _OneWriteTask


class _Server(TcpWSGIServer):  # type: ignore[misc]
    channel_class = _Channel


class GatewayServer:
    """The front door on waitress, a maintained WSGI server: keep-alive, a 1,024 listen backlog, idle
    connections closed, a bad Content-Length answered 400 and a body over 10 MB 413 before any thread
    is involved (waitress buffers requests and writes responses on its own I/O thread)."""

    def __init__(
        self,
        address: tuple[str, int],
        backend: Backend | None = None,
        *,
        threads: int = DEFAULT_THREADS,
        idle_timeout: int = IDLE_TIMEOUT_SECONDS,
    ) -> None:
        self.backend = backend
        self._map: dict[int, Any] = {}  # waitress's socket map: the listener, connections, its wake-up pipe
        self._server = _Server(
            self._wsgi,
            map=self._map,
            host=address[0],
            port=address[1],
            threads=threads,
            backlog=LISTEN_BACKLOG,
            connection_limit=LISTEN_BACKLOG,
            channel_timeout=idle_timeout,
            cleanup_interval=max(1, min(30, idle_timeout // 2)),
            # waitress answers 413 from this size on; API Gateway accepts exactly 10 MB.
            max_request_body_size=MAX_BODY_BYTES + 1,
            ident="local-http-api",
            asyncore_use_poll=True,  # no FD_SETSIZE limit on open connections
            clear_untrusted_proxy_headers=False,  # a client's X-Forwarded-For reaches the event, as before
        )
        self._stopped = False
        self._serving = False

    @property
    def port(self) -> int:
        return int(self._server.getsockname()[1])

    def serve_forever(self) -> None:
        self._serving = True
        self._server.run()

    def stop_accepting(self) -> None:
        """Close the listening socket and every connection; ``serve_forever`` returns."""
        if self._stopped:
            return
        self._stopped = True
        trigger: Any = self._server.trigger  # waitress's wake-up pipe (the stubs say int)
        if not self._serving:
            wasyncore.close_all(self._map, ignore_all=True)
            return
        try:  # sockets belong to the I/O thread: it closes them when woken by the trigger
            trigger.pull_trigger(lambda: wasyncore.close_all(self._map, ignore_all=True))
        except OSError:
            # The wake-up pipe is closed already, so the loop cannot be woken: close the sockets from here
            # and empty the map, which ends the loop; the pipe's numbers are left alone (not ours now).
            log.warning("the front door's wake-up pipe was closed early; closing its sockets directly")
            for dispatcher in list(self._map.values()):
                if dispatcher is not trigger:
                    with contextlib.suppress(OSError):
                        dispatcher.close()
            self._map.clear()

    def shutdown(self, timeout: int = 2) -> None:
        """Stop accepting, then give request threads ``timeout`` seconds to finish."""
        self.stop_accepting()
        self._server.task_dispatcher.shutdown(timeout=timeout)

    def _wsgi(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        started = time.monotonic()
        request_id = str(uuid.uuid4())
        request = _request(environ)
        backend = self.backend
        if backend is None:
            response, target = _error(503, "STARTING", "the local stack is still starting"), "-"
        else:
            try:
                response, target = _dispatch(backend, request, request_id, environ.get("HTTP_HOST", ""))
            except Exception:  # a runner bug or shutdown: answer like API Gateway rather than hang up
                log.exception("%s %s failed inside the local runner", request.method, request.raw_path)
                response, target = _api_message(500, "Internal Server Error"), "-"
        log.info(
            "%s %s -> %d %s (%.0f ms)",
            request.method,
            request.raw_path,
            response.status,
            target,
            (time.monotonic() - started) * 1000,
        )
        return _respond(request.method, response, request_id, start_response)


def _request(environ: Mapping[str, Any]) -> HttpRequest:
    """The request as API Gateway sees it: the raw (still percent-encoded) path and query, every header."""
    split = urlsplit(environ.get("REQUEST_URI") or environ.get("PATH_INFO") or "/")
    headers = []
    for key, value in environ.items():
        if key in _ENVIRON_HEADERS:
            if value:
                headers.append((_ENVIRON_HEADERS[key], str(value)))
        elif key.startswith("HTTP_"):
            headers.append((key[5:].replace("_", "-").lower(), str(value)))
    return HttpRequest(
        method=str(environ["REQUEST_METHOD"]).upper(),
        raw_path=split.path or "/",
        raw_query=split.query,
        headers=headers,
        body=environ["wsgi.input"].read(),
        source_ip=str(environ.get("REMOTE_ADDR", "")),
    )


def _respond(
    method: str, response: HttpResponse, request_id: str, start_response: StartResponse
) -> list[bytes]:
    """Status, headers and body handed over at once, so waitress sends a small response in one write."""
    headers = [(name, value) for name, value in response.headers if name.lower() not in _NOT_FORWARDED]
    if not any(name.lower() == "apigw-requestid" for name, _ in headers):
        headers.append(("apigw-requestid", request_id))
    headers.append(("content-length", str(len(response.body))))
    start_response(f"{response.status} {_reason(response.status)}", headers)
    return [] if method == "HEAD" else [response.body]


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _dispatch(backend: Backend, request: HttpRequest, request_id: str, host: str) -> tuple[HttpResponse, str]:
    """Local control routes first, then the template's routes; returns the response and who served it."""
    path = request.raw_path
    local = _local_route(backend, request)
    if local is not None:
        return local
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


def _local_route(backend: Backend, request: HttpRequest) -> tuple[HttpResponse, str] | None:
    """The local-only control routes (none of them exists deployed); None for any other path."""
    path = request.raw_path.rstrip("/") or "/"
    if path == CLOCK_PATH:
        return _clock(backend, request), "[clock]"
    job = JOB_PATH.match(request.raw_path)
    if job:
        return _run_job(backend, request, job.group(1)), f"[job {job.group(1)}]"
    if path == ENVIRONMENTS_PATH:
        if request.method != "GET":
            return _error(405, "METHOD_NOT_ALLOWED", f"{request.method} not allowed on {path}"), "-"
        return _json(200, backend.environments()), "[environments]"
    return None


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
