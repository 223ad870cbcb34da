"""Service and admin tokens for a deployed stack are minted from the signing key in the secret store."""

from __future__ import annotations

import pytest

from deploy.mint_token import main
from tests.conftest import Invoke


def test_a_minted_service_token_is_accepted(invoke: Invoke, capsys: pytest.CaptureFixture[str]) -> None:
    main(["--secret-id", "SigningKeySecret", "--role", "service", "--name", "shop-backend", "--hours", "720"])
    token = capsys.readouterr().out.splitlines()[0]
    status, body = invoke(
        "earn", "POST", "/earn", {"memberId": "nobody", "eventId": "e", "kind": "TASK", "points": 1}, token
    )
    assert (status, body["error"]["code"]) == (404, "MEMBER_NOT_FOUND")  # authenticated, authorised
    status, _ = invoke("admin_rules", "GET", "/admin/rules", token=token)
    assert status == 403
