"""Service clients on moto in-process: created by admins (secret shown once, stored as a hash),
exchanged for 2-hour service tokens, revoked (no new token; issued ones refused once the cache knows)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import boto3
import pytest

from tests.conftest import Invoke, Tokens, _reset_caches


def create(invoke: Invoke, admin: str, name: str = "shop") -> dict[str, Any]:
    status, body = invoke("admin_clients", "POST", "/admin/clients", {"name": name}, admin)
    assert status == 201, body
    return dict(body)


def token(invoke: Invoke, client_id: str, secret: str) -> tuple[int, Any]:
    body = {"clientId": client_id, "clientSecret": secret}
    return invoke("auth_token", "POST", "/auth/token", body)  # type: ignore[no-any-return]


def earn(invoke: Invoke, service: str, event_id: str, member: str = "alice") -> tuple[int, Any]:
    body = {"memberId": member, "eventId": event_id, "kind": "PURCHASE", "amountFen": 1000}
    return invoke("earn", "POST", "/earn", body, service)  # type: ignore[no-any-return]


def test_a_client_gets_two_hour_service_tokens(invoke: Invoke, tokens: Tokens) -> None:
    ops = tokens.admin()
    tokens.member("alice")
    client = create(invoke, ops, "shop")
    assert set(client) == {"clientId", "clientSecret", "name", "createdAt"}
    status, issued = token(invoke, client["clientId"], client["clientSecret"])
    assert status == 200, issued
    lifetime = datetime.fromisoformat(issued["expiresAt"]) - datetime.fromisoformat(client["createdAt"])
    assert 7190 <= lifetime.total_seconds() <= 7210
    assert earn(invoke, issued["token"], "sale-1")[1]["awarded"] == 10
    # The token names the client's service: the same merchant as before clients existed.
    assert earn(invoke, tokens.service("shop"), "sale-1")[1]["replayed"] is True
    assert invoke("admin_rules", "GET", "/admin/rules", token=issued["token"])[0] == 403


def test_wrong_or_unknown_credentials_are_invalid_client(invoke: Invoke, tokens: Tokens) -> None:
    client = create(invoke, tokens.admin())
    for client_id, secret in [
        (client["clientId"], client["clientSecret"] + "x"),
        (client["clientId"], ""),
        ("c0000000000000000", client["clientSecret"]),
    ]:
        status, body = token(invoke, client_id, secret)
        assert status in (400, 401), body
        if secret:
            assert (status, body["error"]["code"]) == (401, "INVALID_CLIENT")


def test_the_secret_is_shown_once_and_stored_only_as_a_hash(invoke: Invoke, tokens: Tokens) -> None:
    ops = tokens.admin()
    client = create(invoke, ops)
    secret = client["clientSecret"]
    status, page = invoke("admin_clients", "GET", "/admin/clients", token=ops)
    assert status == 200
    (listed,) = page["items"]
    assert listed == {
        "clientId": client["clientId"],
        "name": "shop",
        "status": "ACTIVE",
        "createdAt": client["createdAt"],
        "createdBy": "ops",
        "revokedAt": None,
    }
    audit = invoke("admin_audit", "GET", "/admin/audit", token=ops)[1]
    assert [e["action"] for e in audit["items"]] == ["CLIENT_CREATED"]
    stored = boto3.client("dynamodb").scan(TableName="PointsTable")["Items"]
    everything = json.dumps(stored) + json.dumps(page) + json.dumps(audit)
    assert secret not in everything
    (item,) = [i for i in stored if i["PK"]["S"] == f"CLIENT#{client['clientId']}"]
    assert item["secretHash"]["S"].startswith("scrypt$16384$8$1$")


def test_a_revoked_client_gets_no_token_and_its_tokens_stop(invoke: Invoke, tokens: Tokens) -> None:
    ops = tokens.admin()
    tokens.member("alice")
    client = create(invoke, ops)
    issued = token(invoke, client["clientId"], client["clientSecret"])[1]["token"]
    assert earn(invoke, issued, "e1")[0] == 200
    status, revoked = invoke("admin_clients", "DELETE", f"/admin/clients/{client['clientId']}", token=ops)
    assert (status, revoked["status"]) == (200, "REVOKED") and revoked["revokedAt"]
    status, body = token(invoke, client["clientId"], client["clientSecret"])
    assert (status, body["error"]["code"]) == (401, "INVALID_CLIENT")
    status, body = earn(invoke, issued, "e2")  # this suite reads the rules (and revocations) uncached
    assert (status, body["error"]["code"]) == (401, "UNAUTHENTICATED")
    again = invoke("admin_clients", "DELETE", f"/admin/clients/{client['clientId']}", token=ops)
    assert again == (200, revoked)
    status, body = invoke("admin_clients", "DELETE", "/admin/clients/c404", token=ops)
    assert (status, body["error"]["code"]) == (404, "CLIENT_NOT_FOUND")
    actions = [e["action"] for e in invoke("admin_audit", "GET", "/admin/audit", token=ops)[1]["items"]]
    assert actions == ["CLIENT_REVOKED", "CLIENT_CREATED"]
    other = create(invoke, ops, "shop")  # the name lives on in a new client
    assert earn(invoke, token(invoke, other["clientId"], other["clientSecret"])[1]["token"], "e3")[0] == 200


def test_the_gate_learns_of_revocations_from_the_cached_config_read(
    invoke: Invoke, tokens: Tokens, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No read per request: within the cache interval a revoked client's token still passes; once the
    cached `CONFIG` read expires (cleared here), it is refused."""
    from aws_lambda_powertools.utilities import parameters

    ops = tokens.admin()
    tokens.member("alice")
    client = create(invoke, ops)
    issued = token(invoke, client["clientId"], client["clientSecret"])[1]["token"]
    monkeypatch.setenv("RULES_CACHE_SECONDS", "30")  # as deployed
    _reset_caches()
    from mall.data import rules_store

    reads: list[Any] = []
    monkeypatch.setattr(rules_store._provider(), "_get_multiple", _counting(rules_store._provider(), reads))
    assert earn(invoke, issued, "e1")[0] == 200
    assert earn(invoke, issued, "e2")[0] == 200
    assert len(reads) == 1  # one query of CONFIG for both requests (rules and revocations)
    assert invoke("admin_clients", "DELETE", f"/admin/clients/{client['clientId']}", token=ops)[0] == 200
    assert earn(invoke, issued, "e3")[0] == 200  # still cached: refused within the interval, not at once
    parameters.clear_caches()
    rules_store.clear_cache()
    status, body = earn(invoke, issued, "e4")
    assert (status, body["error"]["code"]) == (401, "UNAUTHENTICATED")


def _counting(provider: Any, reads: list[Any]) -> Any:
    real = provider._get_multiple

    def counted(*args: Any, **kwargs: Any) -> Any:
        reads.append(args)
        return real(*args, **kwargs)

    return counted


def test_only_admins_manage_clients(invoke: Invoke, tokens: Tokens) -> None:
    for caller in (tokens.member(), tokens.service()):
        assert invoke("admin_clients", "POST", "/admin/clients", {"name": "x"}, caller)[0] == 403
        assert invoke("admin_clients", "GET", "/admin/clients", token=caller)[0] == 403
        assert invoke("admin_clients", "DELETE", "/admin/clients/c1", token=caller)[0] == 403
    status, body = invoke("admin_clients", "POST", "/admin/clients", {"name": "a b"}, tokens.admin())
    assert status == 400 and body["error"]["message"].startswith("name")
