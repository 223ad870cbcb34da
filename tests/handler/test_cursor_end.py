"""nextCursor is null on the last page, even when that page is exactly full."""

from __future__ import annotations

from tests.conftest import Invoke, Tokens


def test_ledger_last_page_has_null_cursor(invoke: Invoke, tokens: Tokens) -> None:
    alice, svc = tokens.member("alice"), tokens.service()
    for i in range(2):
        earn = {"memberId": "alice", "eventId": f"e{i}", "kind": "PURCHASE", "amountFen": 100}
        invoke("earn", "POST", "/earn", earn, svc)
    status, page = invoke("member", "GET", "/me/ledger", token=alice, query={"limit": "2"})
    assert status == 200 and len(page["items"]) == 2
    assert page["nextCursor"] is None, "exactly-full last page still carries a cursor (next page is empty)"
