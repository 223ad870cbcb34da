"""Admin (and, as a last resort, service) tokens for a deployed stack are minted from the signing key in
the secret store, for at most 12 hours; a token made to live longer is refused whoever made it."""

from __future__ import annotations

import time

import jwt
import pytest

from deploy.mint_token import main
from tests.conftest import Invoke


def _mint(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    main(["--secret-id", "SigningKeySecret", *args])
    return capsys.readouterr().out.splitlines()[0]


def test_a_minted_service_token_is_accepted(invoke: Invoke, capsys: pytest.CaptureFixture[str]) -> None:
    token = _mint(capsys, "--role", "service", "--name", "shop-backend", "--hours", "12")
    status, body = invoke(
        "earn", "POST", "/earn", {"memberId": "nobody", "eventId": "e", "kind": "TASK", "points": 1}, token
    )
    assert (status, body["error"]["code"]) == (404, "MEMBER_NOT_FOUND")  # authenticated, authorised
    status, _ = invoke("admin_rules", "GET", "/admin/rules", token=token)
    assert status == 403


def test_a_minted_admin_token_is_accepted(invoke: Invoke, capsys: pytest.CaptureFixture[str]) -> None:
    token = _mint(capsys, "--role", "admin", "--name", "alice", "--hours", "8")
    assert invoke("admin_rules", "GET", "/admin/rules", token=token)[0] == 200


@pytest.mark.parametrize("hours", ["12.01", "720", "0", "-1"])
def test_minting_refuses_more_than_twelve_hours(
    aws: None, hours: str, capsys: pytest.CaptureFixture[str]
) -> None:
    for role in ("admin", "service"):
        with pytest.raises(SystemExit):
            main(["--secret-id", "SigningKeySecret", "--role", role, "--name", "x", "--hours", hours])
        assert "at most 12 hours" in capsys.readouterr().err


@pytest.mark.parametrize("role", ["admin", "service", "member"])
def test_a_token_made_to_live_longer_is_refused_whoever_signed_it(invoke: Invoke, role: str) -> None:
    now = int(time.time())
    claims = {"sub": "old", "role": role, "iss": "points-mall", "iat": now, "exp": now + 30 * 24 * 3600}
    token = jwt.encode(claims, "k" * 64, algorithm="HS256")  # the test stack's signing key
    path = {"admin": "/admin/rules", "service": "/earn", "member": "/me"}[role]
    folder = {"admin": "admin_rules", "service": "earn", "member": "member"}[role]
    status, body = invoke(
        folder, "GET" if role != "service" else "POST", path, {} if role == "service" else None, token
    )
    assert (status, body["error"]["code"]) == (401, "UNAUTHENTICATED"), body
    claims["exp"] = now + 12 * 3600
    fine = jwt.encode(claims, "k" * 64, algorithm="HS256")
    assert (
        invoke(folder, "GET" if role != "service" else "POST", path, {} if role == "service" else None, fine)[
            0
        ]
        != 401
    )
