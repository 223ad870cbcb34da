"""Least privilege: each function's policy in template.yaml grants exactly what its code calls.

What the code calls comes from `tools.least_privilege` (static analysis of the call graph from the
handler down to the data layer's primitives); what the template grants is read from each function's
`Policies`. Any extra permission fails, any missing one too; a new function fails until it has its
policy (the failure prints the lines to paste). The handler tests check the other direction at run time:
every AWS call a handler makes must be allowed by its policy (tests/conftest.py, `iam_checked`)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import ROOT
from tools.least_privilege import (
    Permission,
    _environment_refs,
    function_handlers,
    permissions,
    policy_yaml,
    template_permissions,
)

HANDLERS = function_handlers()


def _template() -> dict[str, Any]:
    from cfnlint.decode import decode_str

    decoded, _ = decode_str((ROOT / "template.yaml").read_text(encoding="utf-8"))
    return dict(json.loads(json.dumps(decoded)))


TEMPLATE = _template()


@pytest.mark.parametrize("function", sorted(HANDLERS))
def test_policy_grants_exactly_what_the_code_calls(function: str) -> None:
    needed = permissions(HANDLERS[function])
    granted = template_permissions(TEMPLATE, function)
    extra, missing = granted - needed, needed - granted
    fix = "\n".join(policy_yaml(needed, _environment_refs(TEMPLATE, function))) or "      (no Policies)"
    assert not extra and not missing, (
        f"{function}: extra {sorted(map(str, extra))}, missing {sorted(map(str, missing))}; "
        f"its policy should read:\n{fix}"
    )


def test_nothing_deletes_or_scans() -> None:
    granted = {p for f in HANDLERS for p in template_permissions(TEMPLATE, f)}
    assert not {p for p in granted if p.action.split(":")[1].startswith(("Delete", "Scan", "BatchWrite"))}


def test_read_only_functions_get_read_only_policies() -> None:
    writes = ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem")
    for function in ("StatsFunction", "FlashSalesFunction", "NotificationsFunction", "OpenApiFunction"):
        assert not {p for p in template_permissions(TEMPLATE, function) if p.action.endswith(writes)}


def test_only_the_claim_sends_to_the_queue_and_only_token_makers_read_the_signing_key() -> None:
    senders = {
        f for f in HANDLERS if any(p.action == "sqs:SendMessage" for p in template_permissions(TEMPLATE, f))
    }
    assert senders == {"FlashClaimFunction"}
    signing = Permission("secretsmanager:GetSecretValue", "secret:SIGNING_KEY_SECRET_ID")
    readers = {f for f in HANDLERS if signing in template_permissions(TEMPLATE, f)}
    # the authorizer verifies tokens, login issues them; the others sign list cursors
    assert {"AuthorizerFunction", "AuthLoginFunction"} <= readers
    assert "RedeemFunction" not in readers and "EarnFunction" not in readers


def test_the_analysis_sees_index_queries_and_writes() -> None:
    """A canary for the analysis itself: known calls of known functions are found."""
    sweep = permissions(HANDLERS["ExpirySweepFunction"])
    assert Permission("dynamodb:Query", "index/DueIndex") in sweep
    assert Permission("dynamodb:UpdateItem", "table") in sweep
    catalog = permissions(HANDLERS["CatalogFunction"])
    assert Permission("dynamodb:Query", "index/ShelfIndex") in catalog
    rules_cache = Permission("dynamodb:Query", "table")  # powertools' DynamoDBProvider.get_multiple
    assert rules_cache in permissions(HANDLERS["AdminRulesFunction"])
    assert permissions(HANDLERS["OpenApiFunction"]) == set()


def test_a_call_outside_the_policy_is_caught_at_run_time(invoke: Any, tokens: Any, monkeypatch: Any) -> None:
    """The run-time check the handler tests rely on does fire: without GetItem, GET /me is AccessDenied."""
    from tests import iam

    member = tokens.member("alice")
    reduced = frozenset(p for p in iam.granted("MemberFunction") if p.action != "dynamodb:GetItem")
    monkeypatch.setattr(iam, "granted", lambda fn: reduced if fn == "MemberFunction" else frozenset())
    invoke("member", "GET", "/me", token=member)
    caught = list(iam.VIOLATIONS)
    iam.VIOLATIONS.clear()
    assert any("MemberFunction called dynamodb.GetItem" in v for v in caught), caught
