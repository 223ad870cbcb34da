"""A fake WeChat server API (login code2session, access token, subscribe-message send) on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

APP_ID, APP_SECRET = "wx1", "s3cr3t"  # what tests/conftest.py puts in the WeChatSecret


@dataclass
class FakeWeChat:
    base_url: str = ""
    expires_in: int = 7200
    token_calls: int = 0
    sends: list[dict[str, Any]] = field(default_factory=list)  # {"token", "body", "answer"}
    refused: set[str] = field(default_factory=set)  # openids whose sends answer 43101 (not subscribed)
    send_errors: list[int] = field(default_factory=list)  # errcodes to answer next, whatever the token
    codes: dict[str, str] = field(default_factory=dict)  # wx.login code -> openid, each usable once
    _valid: set[str] = field(default_factory=set)

    def code2session(self, query: dict[str, str]) -> dict[str, Any]:
        if (query.get("appid"), query.get("secret")) != (APP_ID, APP_SECRET):
            return {"errcode": 40013, "errmsg": "invalid appid"}
        if query.get("grant_type") != "authorization_code":
            return {"errcode": 40002, "errmsg": "invalid grant_type"}
        openid = self.codes.pop(query.get("js_code", ""), None)
        if openid is None:
            return {"errcode": 40029, "errmsg": "invalid code"}
        return {"openid": openid, "session_key": "not-used"}

    def expire_tokens(self) -> None:
        """Every token issued so far stops working (as when it expires or another one is issued)."""
        self._valid.clear()

    def token(self, query: dict[str, str]) -> dict[str, Any]:
        self.token_calls += 1
        if query.get("grant_type") != "client_credential":
            return {"errcode": 40002, "errmsg": "invalid grant_type"}
        if (query.get("appid"), query.get("secret")) != (APP_ID, APP_SECRET):
            return {"errcode": 40013, "errmsg": "invalid appid"}
        token = f"tok-{self.token_calls}"
        self._valid.add(token)
        return {"access_token": token, "expires_in": self.expires_in}

    def send(self, token: str, body: dict[str, Any]) -> dict[str, Any]:
        if self.send_errors:
            answer = {"errcode": self.send_errors.pop(0), "errmsg": "scripted"}
        elif token not in self._valid:
            answer = {"errcode": 42001, "errmsg": "access_token expired"}
        elif body.get("touser") in self.refused:
            answer = {"errcode": 43101, "errmsg": "user refuse to accept the msg"}
        else:
            answer = {"errcode": 0, "errmsg": "ok", "msgid": len(self.sends) + 1}
        self.sends.append({"token": token, "body": body, "answer": answer})
        return answer


@contextmanager
def fake_wechat() -> Iterator[FakeWeChat]:
    fake = FakeWeChat()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            url = urlparse(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            if url.path == "/cgi-bin/token":
                self._answer(fake.token(query))
            elif url.path == "/sns/jscode2session":
                self._answer(fake.code2session(query))
            else:
                self.send_error(404)

        def do_POST(self) -> None:
            url = urlparse(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if url.path == "/cgi-bin/message/subscribe/send":
                self._answer(fake.send(query.get("access_token", ""), body))
            else:
                self.send_error(404)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
