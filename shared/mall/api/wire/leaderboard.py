"""The leaderboard: the top ten of a period, nicknames masked, and the caller's own standing."""

from __future__ import annotations

from mall.api.wire.common import WireModel
from mall.domain.leaderboard import Period, mask
from mall.services.leaderboard import Board


class StandingView(WireModel):
    rank: int
    nickname: str
    points: int


class MyStandingView(WireModel):
    rank: int | None
    points: int


class LeaderboardView(WireModel):
    period: Period
    starts_on: str
    items: list[StandingView]
    me: MyStandingView

    @classmethod
    def of(cls, board: Board) -> LeaderboardView:
        return cls(
            period=board.period,
            starts_on=board.starts_on.isoformat(),
            items=[StandingView(rank=s.rank, nickname=mask(s.member_id), points=s.points) for s in board.top],
            me=MyStandingView(rank=board.my_rank, points=board.my_points),
        )
