"""The one-off outstanding backfill: the entries from before the stream, added once, none of the stream's."""

from __future__ import annotations

from typing import Any

from deploy import backfill_outstanding
from tests.conftest import Invoke


def _earn(invoke: Invoke, service: str, member: str, event: str, points: int) -> None:
    body = {"memberId": member, "eventId": event, "kind": "PURCHASE", "amountFen": points * 100}
    assert invoke("earn", "POST", "/earn", body, service)[0] == 200


def _outstanding(invoke: Invoke, admin: str) -> int:
    return int(invoke("stats", "GET", "/admin/stats", token=admin)[1]["outstanding"])


def test_adds_what_came_before_the_boundary_once(
    invoke: Invoke, tokens: Any, clock: Any, capsys: Any
) -> None:
    service, admin = tokens.service(), tokens.admin()
    tokens.member("a"), tokens.member("b")
    clock.set("2026-11-01T10:00:00+08:00")
    _earn(invoke, service, "a", "e1", 300)
    _earn(invoke, service, "b", "e2", 200)
    clock.set("2026-11-02T10:00:00+08:00")  # after the boundary: the stream's, not the backfill's
    _earn(invoke, service, "a", "e3", 50)
    boundary = ["--table", "PointsTable", "--before", "2026-11-01T12:00:00+08:00"]

    assert backfill_outstanding.main([*boundary, "--dry-run"]) == 0
    assert _outstanding(invoke, admin) == 0
    assert backfill_outstanding.main(boundary) == 0
    assert _outstanding(invoke, admin) == 500
    assert backfill_outstanding.main(boundary) == 1  # a second run adds nothing
    assert _outstanding(invoke, admin) == 500
    assert "already backfilled" in capsys.readouterr().out


def test_refuses_a_boundary_a_write_was_close_to(invoke: Invoke, tokens: Any, clock: Any) -> None:
    tokens.member("a")
    clock.set("2026-11-01T10:00:00+08:00")
    _earn(invoke, tokens.service(), "a", "e1", 300)
    assert backfill_outstanding.main(["--table", "PointsTable", "--before", "2026-11-01T10:00:02+08:00"]) == 2
    assert _outstanding(invoke, tokens.admin()) == 0
