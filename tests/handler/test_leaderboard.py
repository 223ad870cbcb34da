"""Leaderboards (moto in-process): the stream aggregator fed with records of the ledger entries the real
functions wrote, then GET /leaderboard. Redelivered batches score nothing twice; a rank beyond a shard's
top ten is counted on the index."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from local_stack.events import sample
from mall.domain.leaderboard import Contribution, Period, board_of, mask
from tests.conftest import Clock, FakeContext, Invoke, Tokens, load_handler
from tests.handler.test_stats import Stream


def aggregate(records: list[dict[str, Any]]) -> dict[str, Any]:
    event = {"Records": records}
    result: dict[str, Any] = load_handler("leaderboard_aggregator").lambda_handler(event, FakeContext())
    return result


def board(invoke: Invoke, token: str, **query: str) -> Any:
    status, answer = invoke("leaderboard", "GET", "/leaderboard", token=token, query=query or None)
    assert status == 200, answer
    return answer


@pytest.fixture
def sunday(clock: Clock) -> Clock:
    clock.set("2030-06-30T12:00:00+08:00")  # the last day of a week and of a month
    return clock


def test_top_ten_masked_with_my_rank(invoke: Invoke, sunday: Clock, tokens: Tokens) -> None:
    service, stream = tokens.service(), Stream()
    members = [f"m{i:02d}x{i % 10}" for i in range(12)]
    tokens_of = {m: tokens.member(m) for m in members}
    for i, m in enumerate(members):  # m00 earns 10, m01 20, ... and m05 ties with m06
        fen = 100 * 10 * (i + 1 if i != 5 else 7)
        earn = {"memberId": m, "eventId": f"e-{m}", "kind": "PURCHASE", "amountFen": fen}
        assert invoke("earn", "POST", "/earn", earn, service)[0] == 200
    assert invoke("sign_in", "POST", "/sign-in", token=tokens_of["m00x0"])[0] == 200  # 5 more for m00

    records = stream.new_records()
    assert aggregate(records) == {"batchItemFailures": []}
    assert aggregate(records) == {"batchItemFailures": []}  # redelivered: nothing counts twice

    top = board(invoke, tokens_of["m00x0"])
    assert (top["period"], top["startsOn"]) == ("week", "2030-06-24")
    assert [(s["rank"], s["nickname"], s["points"]) for s in top["items"]] == [
        (1, "m***1", 120),
        (2, "m***0", 110),
        (3, "m***9", 100),
        (4, "m***8", 90),
        (5, "m***7", 80),
        (6, "m***5", 70),
        (6, "m***6", 70),
        (8, "m***4", 50),
        (9, "m***3", 40),
        (10, "m***2", 30),
    ]
    assert top["me"] == {"rank": 12, "points": 15}
    assert board(invoke, tokens_of["m05x5"])["me"] == {"rank": 6, "points": 70}
    assert board(invoke, tokens.member("idle"))["me"] == {"rank": None, "points": 0}
    assert "m00x0" not in str(top)


def test_weeks_and_months_are_separate_boards(invoke: Invoke, sunday: Clock, tokens: Tokens) -> None:
    service, stream = tokens.service(), Stream()
    alice = tokens.member("alice")
    earn = {"memberId": "alice", "eventId": "sun", "kind": "PURCHASE", "amountFen": 1000}
    invoke("earn", "POST", "/earn", earn, service)
    aggregate(stream.new_records())
    assert board(invoke, alice, period="month")["me"] == {"rank": 1, "points": 10}

    sunday.set("2030-07-01T12:00:00+08:00")  # Monday, and a new month
    alice, service = tokens.member("alice"), tokens.service()  # tokens last two hours
    earn = {"memberId": "alice", "eventId": "mon", "kind": "PURCHASE", "amountFen": 2000}
    assert invoke("earn", "POST", "/earn", earn, service)[0] == 200
    aggregate(stream.new_records())
    week, month = board(invoke, alice), board(invoke, alice, period="month")
    assert (week["startsOn"], week["me"]) == ("2030-07-01", {"rank": 1, "points": 20})
    assert (month["startsOn"], month["me"]) == ("2030-07-01", {"rank": 1, "points": 20})

    sunday.set("2030-07-02T12:00:00+08:00")
    alice, service = tokens.member("alice"), tokens.service()
    earn = {"memberId": "alice", "eventId": "tue", "kind": "PURCHASE", "amountFen": 500}
    assert invoke("earn", "POST", "/earn", earn, service)[0] == 200
    aggregate(stream.new_records())
    assert board(invoke, alice)["me"] == {"rank": 1, "points": 25}


def test_spending_does_not_lower_a_score(invoke: Invoke, sunday: Clock, shop: Any) -> None:
    stream = Stream()
    shop.product("cup")
    alice = shop.member("alice", points=300)
    assert shop.redeem(alice, "r1")[0] == 201
    aggregate(stream.new_records())
    assert board(invoke, alice)["me"] == {"rank": 1, "points": 300}


def test_period_must_be_week_or_month(invoke: Invoke, tokens: Tokens) -> None:
    status, answer = invoke(
        "leaderboard", "GET", "/leaderboard", token=tokens.member(), query={"period": "year"}
    )
    assert (status, answer["error"]["code"]) == (400, "VALIDATION_ERROR") and "period" in answer["error"][
        "message"
    ]
    assert invoke("leaderboard", "GET", "/leaderboard", token=tokens.admin())[0] == 403


def test_a_rank_far_down_is_counted_on_the_index(invoke: Invoke, sunday: Clock, tokens: Tokens) -> None:
    """60 members on one board: each index shard holds more than ten, so the ranks of the last ones
    come from counting who is ahead, not from the top lists."""
    from mall.data import leaderboard as store

    day = date(2030, 6, 30)
    scores = {f"r{i:03d}": 1000 - 10 * i for i in range(60)}
    group = [Contribution(f"rec-{m}", str(i), m, day, points) for i, (m, points) in enumerate(scores.items())]
    for start in range(0, len(group), 25):
        store.add(group[start : start + 25], ZoneInfo("Asia/Shanghai"), datetime.now(UTC))
    for member, expected in (("r059", 60), ("r045", 46), ("r010", 11), ("r000", 1)):
        answer = board(invoke, tokens.member(member))
        assert answer["me"] == {"rank": expected, "points": scores[member]}, member
        assert [s["points"] for s in answer["items"]] == [1000 - 10 * i for i in range(10)]
    assert board_of(Period.WEEK, day) == "W2030-06-24" and mask("r059") == "r***9"


def test_the_stream_sample_is_scored_once(invoke: Invoke, tokens: Tokens, clock: Clock) -> None:
    clock.set("2026-11-29T22:00:00+08:00")
    event: dict[str, Any] = sample("dynamodb_stream.json")
    for _ in range(2):
        assert load_handler("leaderboard_aggregator").lambda_handler(event, FakeContext()) == {
            "batchItemFailures": []
        }
    assert board(invoke, tokens.member("demo"))["me"] == {"rank": 1, "points": 888}
