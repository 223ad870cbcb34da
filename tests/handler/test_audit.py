"""The audit log on moto in-process: every admin action with who, what, when, before and after, written
in the same transaction as the change; newest first; one member's entries by a query."""

from __future__ import annotations

import io
import logging
from typing import Any

import pytest

from tests.conftest import Invoke, Tokens

PRODUCT = {
    "name": "Cup",
    "category": "home",
    "type": "PHYSICAL",
    "pointsPrice": 100,
    "cashPriceFen": 0,
    "stock": 5,
    "status": "ON_SHELF",
}


def audit(invoke: Invoke, admin: str, **query: str) -> list[dict[str, Any]]:
    status, page = invoke("admin_audit", "GET", "/admin/audit", token=admin, query={"limit": "100", **query})
    assert status == 200, page
    return list(page["items"])


def adjust(invoke: Invoke, admin: str, member: str, delta: int, key: str, reason: str = "goodwill") -> Any:
    body = {"delta": delta, "reason": reason}
    path = f"/admin/members/{member}/adjust"
    return invoke("member_admin", "POST", path, body, admin, headers={"Idempotency-Key": key})


def test_every_admin_action_is_recorded_newest_first(invoke: Invoke, tokens: Tokens) -> None:
    ops, alice = tokens.admin("ops"), tokens.member("alice")
    assert invoke("catalog", "PUT", "/admin/products/cup", PRODUCT, ops)[0] == 200
    assert invoke("catalog", "PUT", "/admin/products/cup", {**PRODUCT, "stock": 9}, ops)[0] == 200
    sale = {
        "sku": "cup",
        "stock": 2,
        "pointsPrice": 10,
        "startsAt": "2026-11-11T00:00:00+08:00",
        "endsAt": "2026-11-12T00:00:00+08:00",
    }
    status, flash_sale = invoke("admin_flash_sales", "POST", "/admin/flash-sales", sale, ops)
    assert status == 201
    assert adjust(invoke, ops, "alice", 500, "k1")[0] == 200
    assert adjust(invoke, ops, "alice", 500, "k1")[0] == 200  # a replay changes nothing, records nothing
    freeze = {"reason": "chargeback"}
    assert invoke("member_admin", "POST", "/admin/members/alice/freeze", freeze, ops)[0] == 200
    unfreeze = {"reason": "cleared"}
    assert invoke("member_admin", "POST", "/admin/members/alice/unfreeze", unfreeze, ops)[0] == 200
    headers = {"Idempotency-Key": "r1"}
    order = invoke("redeem", "POST", "/redemptions", {"sku": "cup", "quantity": 1}, alice, headers=headers)[1]
    path = f"/admin/orders/{order['orderId']}"
    assert (
        invoke("admin_orders", "POST", f"{path}/ship", {"carrier": "SF", "trackingNo": "T1"}, ops)[0] == 200
    )
    assert invoke("admin_orders", "POST", f"{path}/complete", None, ops)[0] == 200
    rules = invoke("admin_rules", "GET", "/admin/rules", token=ops)[1]
    assert invoke("admin_rules", "PUT", "/admin/rules", {**rules, "dailyCap": 600}, ops)[0] == 200

    entries = audit(invoke, ops)
    assert [e["action"] for e in entries] == [
        "RULES_REPLACED",
        "ORDER_COMPLETED",
        "ORDER_SHIPPED",
        "MEMBER_UNFROZEN",
        "MEMBER_FROZEN",
        "MEMBER_ADJUSTED",
        "FLASH_SALE_CREATED",
        "PRODUCT_PUT",
        "PRODUCT_PUT",
    ]
    assert {(e["actor"], e["actorRole"]) for e in entries} == {("ops", "admin")}
    assert [e["createdAt"] for e in entries] == sorted((e["createdAt"] for e in entries), reverse=True)
    by_action = {e["action"]: e for e in entries}
    rules_entry = by_action["RULES_REPLACED"]
    assert (rules_entry["before"], rules_entry["after"]) == ({"dailyCap": 500}, {"dailyCap": 600})
    created, updated = entries[-1], entries[-2]
    assert created["before"] is None and created["after"]["stock"] == 5 and created["target"] == "product:cup"
    assert (updated["before"], updated["after"]) == ({"stock": 5}, {"stock": 9})
    assert by_action["FLASH_SALE_CREATED"]["target"] == f"flash-sale:{flash_sale['saleId']}"
    assert by_action["FLASH_SALE_CREATED"]["after"]["stock"] == 2
    assert by_action["FLASH_SALE_CREATED"]["after"]["startsAt"] == "2026-11-11T00:00:00+08:00"
    adjusted = by_action["MEMBER_ADJUSTED"]
    assert (adjusted["memberId"], adjusted["reason"]) == ("alice", "goodwill")
    assert (adjusted["before"], adjusted["after"]["balance"]) == ({"balance": 0}, 500)
    frozen = by_action["MEMBER_FROZEN"]
    assert frozen["after"] == {"frozen": True, "frozenReason": "chargeback"}
    assert by_action["MEMBER_UNFROZEN"]["reason"] == "cleared"
    shipped = by_action["ORDER_SHIPPED"]
    assert (shipped["memberId"], shipped["target"]) == ("alice", f"order:{order['orderId']}")
    assert (shipped["before"]["status"], shipped["after"]) == (
        "CONFIRMED",
        {"status": "SHIPPED", "carrier": "SF", "trackingNo": "T1"},
    )


def test_member_filter_answers_only_that_members_actions(invoke: Invoke, tokens: Tokens) -> None:
    ops = tokens.admin()
    tokens.member("alice"), tokens.member("bob")
    assert adjust(invoke, ops, "alice", 10, "a")[0] == 200
    assert adjust(invoke, ops, "bob", 20, "b")[0] == 200
    assert invoke("catalog", "PUT", "/admin/products/cup", PRODUCT, ops)[0] == 200
    assert invoke("member_admin", "POST", "/admin/members/alice/freeze", {"reason": "x"}, ops)[0] == 200
    alice = audit(invoke, ops, memberId="alice")
    assert [(e["action"], e["memberId"]) for e in alice] == [
        ("MEMBER_FROZEN", "alice"),
        ("MEMBER_ADJUSTED", "alice"),
    ]
    assert [e["after"]["delta"] for e in audit(invoke, ops, memberId="bob")] == [20]
    assert audit(invoke, ops, memberId="nobody") == []
    assert len(audit(invoke, ops, memberId="")) == 4  # an empty filter is no filter


def test_pages_are_newest_first_across_the_shards_with_no_gap(invoke: Invoke, tokens: Tokens) -> None:
    ops = tokens.admin()
    for n in range(23):
        assert invoke("catalog", "PUT", f"/admin/products/p{n:02d}", PRODUCT, ops)[0] == 200
    seen: list[str] = []
    cursor = None
    while True:
        query = {"limit": "5"} | ({"cursor": cursor} if cursor else {})
        status, page = invoke("admin_audit", "GET", "/admin/audit", token=ops, query=query)
        assert status == 200 and len(page["items"]) <= 5
        seen += [e["target"] for e in page["items"]]
        cursor = page["nextCursor"]
        if not cursor:
            break
    assert seen == [f"product:p{n:02d}" for n in reversed(range(23))]
    status, body = invoke(
        "admin_audit", "GET", "/admin/audit", token=tokens.admin("eve"), query={"cursor": "x"}
    )
    assert (status, body["error"]["code"]) == (400, "VALIDATION_ERROR")


def test_only_admins_read_the_log(invoke: Invoke, tokens: Tokens) -> None:
    assert invoke("admin_audit", "GET", "/admin/audit", token=tokens.member())[0] == 403
    assert invoke("admin_audit", "GET", "/admin/audit", token=tokens.service())[0] == 403
    assert invoke("admin_audit", "GET", "/admin/audit")[0] == 401
    status, body = invoke(
        "admin_audit", "GET", "/admin/audit", token=tokens.admin(), query={"memberId": "a b"}
    )
    assert (status, body["error"]["code"]) == (400, "VALIDATION_ERROR")


def test_a_refused_action_records_nothing(invoke: Invoke, tokens: Tokens) -> None:
    ops = tokens.admin()
    tokens.member("alice")
    assert adjust(invoke, ops, "alice", -1, "k")[1]["error"]["code"] == "INSUFFICIENT_POINTS"
    assert invoke("admin_orders", "POST", "/admin/orders/nope/complete", None, ops)[0] == 404
    assert audit(invoke, ops) == []


def test_the_entry_and_the_change_commit_together(
    invoke: Invoke, tokens: Tokens, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the audit part cannot be written, the change it records is not made either."""
    from mall.data import audit as audit_store
    from mall.data.dynamo import Item
    from mall.data.transaction import Transaction

    class Blocker(Item):
        """A part whose condition never holds: the item must exist, and none does."""

    ops, alice = tokens.admin(), tokens.member("alice")
    real = audit_store.record

    def unwritable(entry: Any) -> Transaction:
        part = real(entry)
        blocker = Blocker(PK="BLOCKER", SK="BLOCKER")
        return part.extend(Transaction().put("audit-blocker", blocker, condition=Blocker.PK.exists()))

    monkeypatch.setattr(audit_store, "record", unwritable)
    for action in (
        lambda: adjust(invoke, ops, "alice", 100, "k"),
        lambda: invoke("member_admin", "POST", "/admin/members/alice/freeze", {"reason": "x"}, ops),
        lambda: invoke("catalog", "PUT", "/admin/products/cup", PRODUCT, ops),
    ):
        with pytest.raises(Exception, match="already exists"):
            action()
    monkeypatch.setattr(audit_store, "record", real)
    me = invoke("member", "GET", "/me", token=alice)[1]
    assert (me["balance"], me["frozen"]) == (0, False)
    assert invoke("catalog", "GET", "/products/cup", token=alice)[0] == 404
    assert audit(invoke, ops) == []


def test_adjust_entries_show_the_reason_and_never_the_staff_member(invoke: Invoke, tokens: Tokens) -> None:
    ops, alice = tokens.admin("zhang.san"), tokens.member("alice")
    assert adjust(invoke, ops, "alice", 50, "k", reason="补偿：物流延误")[0] == 200
    (entry,) = invoke("member", "GET", "/me/ledger", token=alice)[1]["items"]
    assert (entry["type"], entry["note"], entry["ref"]) == ("ADJUST", "补偿：物流延误", None)
    assert "zhang.san" not in str(entry)
    (audited,) = audit(invoke, ops, memberId="alice")
    assert (audited["actor"], audited["after"]["entryId"]) == ("zhang.san", entry["entryId"])


def test_phone_numbers_are_masked_in_the_log_and_never_logged(invoke: Invoke, tokens: Tokens) -> None:
    from mall.observability import logger

    ops = tokens.admin()
    tokens.member("alice")
    reason = "member called from 13812345678 / +86 139-1234-5678"
    lines = io.StringIO()
    copy = logging.StreamHandler(lines)
    copy.setFormatter(logger.registered_formatter)  # the functions' JSON lines, extra keys included
    level = logger.log_level
    logger.addHandler(copy)
    logger.setLevel(logging.DEBUG)  # every line the functions log, not just warnings
    try:
        freeze = {"reason": reason}
        assert invoke("member_admin", "POST", "/admin/members/alice/freeze", freeze, ops)[0] == 200
        assert adjust(invoke, ops, "alice", 5, "k", reason="refund to 13812345678")[0] == 200
        entries = audit(invoke, ops)
    finally:
        logger.setLevel(level)
        logging.getLogger(logger.name).removeHandler(copy)
    logged = lines.getvalue()
    assert '"freeze"' in logged  # the functions' own lines were captured
    assert "13812345678" not in logged and "1234-5678" not in logged
    assert entries[1]["reason"] == "member called from 138****5678 / +86 139****5678"
    assert entries[1]["after"]["frozenReason"] == "member called from 138****5678 / +86 139****5678"
    assert entries[0]["reason"] == "refund to 138****5678"


def test_masking_drops_openids_and_keeps_other_numbers() -> None:
    from mall.domain.audit import recordable

    document = {
        "openid": "o6_bmjrPTlm6_2sgVt7hMZOPfL2M",
        "n": [{"phone": "15012345678"}],
        "sku": "20261111001",
    }
    assert recordable(document) == {"n": [{"phone": "150****5678"}], "sku": "20261111001"}


def _between_read_and_write(monkeypatch: pytest.MonkeyPatch, between: Any) -> None:
    """Run `between` once, right after the admin's request has read the product."""
    from mall.data import products as store

    real, state = store.get_product, {"done": False}

    def get_product(sku: str) -> Any:
        found = real(sku)
        if not state["done"]:
            state["done"] = True
            between()
        return found

    monkeypatch.setattr(store, "get_product", get_product)


def test_an_edit_made_meanwhile_is_what_the_entry_says_it_replaced(
    invoke: Invoke, tokens: Tokens, monkeypatch: pytest.MonkeyPatch
) -> None:
    ann, bob = tokens.admin("ann"), tokens.admin("bob")
    assert invoke("catalog", "PUT", "/admin/products/cup", PRODUCT, ann)[0] == 200
    _between_read_and_write(
        monkeypatch, lambda: invoke("catalog", "PUT", "/admin/products/cup", {**PRODUCT, "name": "Mug"}, bob)
    )
    assert invoke("catalog", "PUT", "/admin/products/cup", {**PRODUCT, "name": "Tumbler"}, ann)[0] == 200
    latest = audit(invoke, ann)[0]
    assert (latest["actor"], latest["before"], latest["after"]) == (
        "ann",
        {"name": "Mug"},
        {"name": "Tumbler"},
    )


def test_a_restock_goes_through_while_members_redeem(
    invoke: Invoke, tokens: Tokens, monkeypatch: pytest.MonkeyPatch
) -> None:
    ops, shop = tokens.admin(), tokens.service()
    alice = tokens.member("alice")
    earn = {"memberId": "alice", "eventId": "e1", "kind": "PURCHASE", "amountFen": 100_000}
    assert invoke("earn", "POST", "/earn", earn, shop)[0] == 200
    assert invoke("catalog", "PUT", "/admin/products/cup", PRODUCT, ops)[0] == 200
    body, headers = {"sku": "cup", "quantity": 1}, {"Idempotency-Key": "r1"}
    _between_read_and_write(
        monkeypatch, lambda: invoke("redeem", "POST", "/redemptions", body, alice, headers=headers)
    )
    assert invoke("catalog", "PUT", "/admin/products/cup", {**PRODUCT, "stock": 50}, ops)[0] == 200
    assert audit(invoke, ops)[0]["after"] == {"stock": 50}  # not refused because a unit was sold meanwhile


def test_campaigns_and_draws_are_audited(invoke: Invoke, tokens: Tokens) -> None:
    ops = tokens.admin("ops")
    window = {"startsAt": "2030-01-01T00:00:00+08:00", "endsAt": "2030-01-02T00:00:00+08:00"}
    campaign = {"name": "double", "multiplier": 1.5, **window, "kinds": ["PURCHASE"]}
    status, created = invoke("campaigns", "POST", "/admin/campaigns", campaign, ops)
    assert status == 201, created
    prizes = [{"prizeId": "p", "kind": "POINTS", "points": 5, "weight": 1, "stock": 10}]
    prizes.append({"prizeId": "none", "kind": "NOTHING", "weight": 1})
    draw = {"name": "wheel", "costPoints": 10, **window, "prizes": prizes}
    assert invoke("draws", "PUT", "/admin/draws/d1", draw, ops)[0] == 200
    assert invoke("draws", "PUT", "/admin/draws/d1", {**draw, "costPoints": 20}, ops)[0] == 200

    changed, first, scheduled = audit(invoke, ops)[:3]
    assert (
        scheduled["action"] == "CAMPAIGN_CREATED"
        and scheduled["target"] == f"campaign:{created['campaignId']}"
    )
    assert scheduled["after"]["name"] == "double" and scheduled["actor"] == "ops"
    assert first["action"] == "DRAW_PUT" and first["before"] is None and first["after"]["costPoints"] == 10
    assert changed["target"] == "draw:d1"
    assert changed["before"] == {"costPoints": 10} and changed["after"] == {"costPoints": 20}
