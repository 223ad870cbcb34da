"""A client of the local stack's HTTP API for the stack tests: one keep-alive session, big enough a
connection pool for the concurrency tests' threads, and the contract's bearer token."""

from __future__ import annotations

from typing import Any

import requests
import requests.adapters


class StackApi:
    def __init__(self, url: str) -> None:
        self.url = url
        self.http = requests.Session()
        self.http.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=64))

    def call(
        self, method: str, path: str, body: Any = None, token: str | None = None, **headers: str
    ) -> tuple[int, Any]:
        if token:
            headers["authorization"] = f"Bearer {token}"
        response = self.http.request(method, self.url + path, json=body, headers=headers, timeout=60)
        return response.status_code, response.json() if response.content else None

    def ok(self, method: str, path: str, body: Any = None, token: str | None = None, **headers: str) -> Any:
        """The answer of a request that must succeed (200 or 201)."""
        status, answer = self.call(method, path, body, token, **headers)
        assert status in (200, 201), (method, path, status, answer)
        return answer

    def login(self, code: str) -> str:
        return str(self.ok("POST", "/auth/login", {"code": code})["token"])
