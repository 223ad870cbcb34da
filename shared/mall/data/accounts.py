"""Account and ledger items: the only code that reads or writes them.

An account change is one transaction: the account (conditioned on the version it was read at) and
one ledger entry per balance change, plus whatever the use case writes with it (an earn event, an
idempotency record)."""

from __future__ import annotations

import hashlib
import zlib
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from botocore.exceptions import ClientError
from pynamodb.attributes import BooleanAttribute, UnicodeAttribute, VersionAttribute

from mall.data import dynamo, risk_events
from mall.data.dynamo import IntegerAttribute, IntMapAttribute, Item, Key, Raw
from mall.data.transaction import AlreadyExists, LostRace, Transaction, lost_race
from mall.domain.account import Account, Change
from mall.domain.ledger import EntryType, LedgerEntry

EXPIRY_SHARDS = 16  # the expiry index key is sharded so no single index partition takes every account
TOUCHED_SHARDS = 16  # so is the touched-accounts key: every member's first change of a day writes it
ACTIVITY_SHARDS = 16  # and the activity-day key: every member's first act of a day moves it
UTC_ZONE = ZoneInfo("UTC")  # for ledger times of an account opened without rules at hand (tools)
_STATE = (
    "lots",
    "balance",
    "lifetime_earned",
    "frozen",
    "frozen_reason",
    "sign_in_day",
    "streak",
    "cap_day",
    "cap_used",
    "rate_counts",
    "risk_counts",
    "pending",
    "shortfall",
    "due_pk",
    "due_sk",
    "purchased",
    "earned_days",
    "task_progress",
    "tasks_paid",
    "new_day",
    "woken_for",
    "active_day",
    "act_pk",  # the same value unless the activity day moved: no index write then
    "act_sk",
    "segment_moved",
)


class AccountItem(Item):
    """`MEMBER#<id>` / `ACCOUNT`; on the sparse DueIndex (by soonest expiry day) while it holds points."""

    member_id = UnicodeAttribute(attr_name="memberId")
    created_at = UnicodeAttribute(attr_name="createdAt")
    lots = IntMapAttribute(default=dict)
    balance = IntegerAttribute(default=0)
    lifetime_earned = IntegerAttribute(attr_name="lifetimeEarned", default=0)
    frozen = BooleanAttribute(default=False)
    frozen_reason = UnicodeAttribute(attr_name="frozenReason", null=True)
    sign_in_day = UnicodeAttribute(attr_name="signInDay", null=True)
    streak = IntegerAttribute(default=0)
    cap_day = UnicodeAttribute(attr_name="capDay", null=True)
    cap_used = IntegerAttribute(attr_name="capUsed", default=0)
    pending = IntMapAttribute(
        default=dict
    )  # "<available day>/<expiry day>" -> purchase points not spendable yet
    shortfall = IntegerAttribute(default=0)
    due_pk = UnicodeAttribute(attr_name="DUE_PK", null=True)
    due_sk = UnicodeAttribute(attr_name="DUE_SK", null=True)
    rate_counts = IntMapAttribute(attr_name="rateCounts", default=dict)
    risk_counts = IntMapAttribute(attr_name="riskCounts", default=dict)
    # Written with every balance change: the entry it wrote last, and the business day of the change as
    # a key of the sparse TouchedIndex, so reconciliation reads the accounts a day touched (no scan).
    last_entry = UnicodeAttribute(attr_name="lastEntry", null=True)
    touch_pk = UnicodeAttribute(attr_name="TOUCH_PK", null=True)
    touch_sk = UnicodeAttribute(attr_name="TOUCH_SK", null=True)
    openid = UnicodeAttribute(null=True)  # WeChat members only; never returned or logged
    invite_code = UnicodeAttribute(attr_name="inviteCode", null=True)  # written when opened, never changed
    # Member journey (mall.domain.journey, mall.domain.tasks): first purchase, tier-window day buckets,
    # task progress; the last activity day, also a key of the sparse ActivityIndex (sharded like the
    # expiry index) so the wake-up job reads the members who became dormant on a day, not the table.
    purchased = BooleanAttribute(null=True)
    earned_days = IntMapAttribute(attr_name="earnedDays", default=dict)
    task_progress = IntMapAttribute(attr_name="taskProgress", default=dict)
    tasks_paid = IntMapAttribute(attr_name="tasksPaid", default=dict)
    active_day = UnicodeAttribute(attr_name="activeDay", null=True)
    new_day = UnicodeAttribute(attr_name="newDay", null=True)
    woken_for = UnicodeAttribute(attr_name="wokenFor", null=True)
    act_pk = UnicodeAttribute(attr_name="ACT_PK", null=True)
    act_sk = UnicodeAttribute(attr_name="ACT_SK", null=True)
    # Set (to the day) by a write that moved the member between segment counters, removed by the others:
    # the stream filter of the segment counting (mall.services.segments) lets only those through.
    segment_moved = UnicodeAttribute(attr_name="segmentMoved", null=True)
    version = VersionAttribute()


class LedgerItem(Item):
    """`MEMBER#<id>` / `LEDGER#<entryId>`: entry ids sort by time, so a query reads newest first."""

    member_id = UnicodeAttribute(attr_name="memberId")
    entry_id = UnicodeAttribute(attr_name="entryId")
    type = UnicodeAttribute()
    source = UnicodeAttribute()
    delta = IntegerAttribute()
    balance_after = IntegerAttribute(attr_name="balanceAfter")
    ref = UnicodeAttribute(null=True)
    note = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute(attr_name="createdAt")
    day = UnicodeAttribute()
    lots = IntMapAttribute(null=True)  # for SPEND: the lots it took, so a refund can put them back


def account_key(member_id: str) -> Key:
    return f"MEMBER#{member_id}", "ACCOUNT"


def expiry_shard(member_id: str) -> str:
    return f"EXPIRY#{zlib.crc32(member_id.encode()) % EXPIRY_SHARDS:02d}"


def load(member_id: str) -> Account | None:
    item = dynamo.get(AccountItem, account_key(member_id))
    return to_account(item) if item else None


def decode(raw: Raw | None) -> Account | None:
    item = dynamo.decode(AccountItem, raw)
    return to_account(item) if item else None


def to_account(item: AccountItem) -> Account:
    return Account(
        member_id=item.member_id,
        created_at=item.created_at,
        lots=dict(item.lots),
        lifetime_earned=item.lifetime_earned,
        frozen=item.frozen,
        frozen_reason=item.frozen_reason,
        sign_in_day=item.sign_in_day,
        streak=item.streak,
        cap_day=item.cap_day,
        cap_used=item.cap_used,
        rate_counts=dict(item.rate_counts or {}),
        risk_counts=dict(item.risk_counts or {}),
        pending=dict(item.pending or {}),
        shortfall=item.shortfall or 0,
        version=item.version or 0,
        invite_code=item.invite_code,
        purchased=item.purchased,
        earned_days=dict(item.earned_days or {}),
        task_progress=dict(item.task_progress or {}),
        tasks_paid=dict(item.tasks_paid or {}),
        active_day=item.active_day,
        new_day=item.new_day,
        woken_for=item.woken_for,
    )


def _item(account: Account, **extra: Any) -> AccountItem:
    pk, sk = account_key(account.member_id)
    soonest = account.next_expiry()  # sparse index: only accounts holding points, by soonest expiry
    item = AccountItem(
        PK=pk,
        SK=sk,
        member_id=account.member_id,
        created_at=account.created_at,
        lots=account.lots,
        balance=account.balance,
        lifetime_earned=account.lifetime_earned,
        frozen=account.frozen,
        frozen_reason=account.frozen_reason,
        sign_in_day=account.sign_in_day,
        streak=account.streak,
        cap_day=account.cap_day,
        cap_used=account.cap_used,
        rate_counts=account.rate_counts,
        risk_counts=account.risk_counts,
        pending=account.pending,
        shortfall=account.shortfall,
        due_pk=expiry_shard(account.member_id) if soonest else None,
        due_sk=f"{soonest}#{account.member_id}" if soonest else None,
        invite_code=account.invite_code,
        purchased=account.purchased,
        earned_days=account.earned_days,
        task_progress=account.task_progress,
        tasks_paid=account.tasks_paid,
        active_day=account.active_day,
        new_day=account.new_day,
        woken_for=account.woken_for,
        act_pk=activity_shard(account.member_id, account.active_day) if account.active_day else None,
        act_sk=account.member_id if account.active_day else None,
        **extra,
    )
    if account.version:  # 0: not stored yet, so the write asks that no version exists
        item.version = account.version
    return item


def _ledger_item(member_id: str, entry: LedgerEntry, zone: ZoneInfo) -> LedgerItem:
    return LedgerItem(
        PK=f"MEMBER#{member_id}",
        SK=f"LEDGER#{entry.entry_id}",
        member_id=member_id,
        entry_id=entry.entry_id,
        type=entry.type.value,
        source=entry.source,
        delta=entry.delta,
        balance_after=entry.balance_after,
        ref=entry.ref,
        note=entry.note,
        created_at=entry.created_at.astimezone(zone).isoformat(timespec="seconds"),
        day=entry.day.isoformat(),
        lots=entry.lots or None,
    )


def activity_shard(member_id: str, day: str) -> str:
    return f"ACTIVE#{day}#{zlib.crc32(member_id.encode()) % ACTIVITY_SHARDS:02d}"


def touched_shard(member_id: str, day: str) -> str:
    return f"TOUCHED#{day}#{zlib.crc32(member_id.encode()) % TOUCHED_SHARDS:02d}"


def _mark_touched(item: AccountItem, change: Change) -> list[str]:
    """A balance change: remember its last entry and the day, for reconciliation (the marks set)."""
    if not change.entries:
        return []
    last = change.entries[-1]
    item.last_entry = last.entry_id
    item.touch_pk = touched_shard(change.account.member_id, last.day.isoformat())
    item.touch_sk = change.account.member_id
    return ["last_entry", "touch_pk", "touch_sk"]


def change_parts(change: Change, zone: ZoneInfo, role: str = "") -> Transaction:
    """The account's new state (only if nobody changed it since it was read), its ledger entries and any
    risk events the change raised; `role` ("inviter ") tells two accounts changed in one transaction apart."""
    item = _item(change.account)
    state = list(_STATE) + _mark_touched(item, change)
    if change.segment_moves:  # the activity day moved: a stream record for the segment counters
        item.segment_moved = change.account.active_day
    tx = Transaction().update(f"{role}account", item, dynamo.assign(item, state), versioned=True)
    tx.extend(ledger_parts(change, zone, role))
    for index, event in enumerate(change.risk_events):
        tx.put(f"{role}risk#{index}", risk_events.item(event, zone))
    return tx


def ledger_parts(change: Change, zone: ZoneInfo, role: str = "") -> Transaction:
    """The ledger entries of a change, each a new item."""
    tx = Transaction()
    for index, entry in enumerate(change.entries):
        item = _ledger_item(change.account.member_id, entry, zone)
        tx.put(f"{role}ledger#{index}", item, on_fail=lost_race)
    return tx


def count_parts(account: Account) -> Transaction:
    """Only the account's request counters, if nobody changed the account since it was read (a part for
    a transaction that does not change the account otherwise, like a flash-sale claim)."""
    item = _item(account)
    return Transaction().update("account", item, dynamo.assign(item, ("rate_counts",)), versioned=True)


def write_counts(account: Account) -> None:
    """Only the request counters, in one UpdateItem (a refused request pays this write of its own);
    `LostRace` if the account changed since it was read."""
    item = _item(account)
    unchanged = AccountItem.version == account.version  # the version moves on by one with the write
    try:
        dynamo.update(item, dynamo.assign(item, ("rate_counts",)), condition=unchanged)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            raise LostRace from exc
        raise


def write_change(change: Change, zone: ZoneInfo, also: Transaction | None = None) -> None:
    """Account, ledger entries and `also` in one transaction; `LostRace` if the account moved meanwhile."""
    tx = change_parts(change, zone)
    if also is not None:
        tx.extend(also)
    tx.commit()


def open_parts(opening: Change, zone: ZoneInfo, openid: str | None = None) -> Transaction:
    """A new account with its opening entries (welcome bonus, referral reward); the account's part fails
    with `AlreadyExists` if the member has one."""
    item = _item(opening.account, openid=openid)
    _mark_touched(item, opening)
    item.segment_moved = opening.account.active_day
    return Transaction().put("account", item).extend(ledger_parts(opening, zone))


def open_account(
    opening: Account | Change, zone: ZoneInfo = UTC_ZONE, also: Transaction | None = None
) -> bool:
    """Open the account (and write `also` with it) unless it exists; True when this call opened it."""
    change = opening if isinstance(opening, Change) else Change(opening)
    try:
        open_parts(change, zone).extend(also or Transaction()).commit()
    except AlreadyExists:
        return False
    return True


def ledger_page(member_id: str, limit: int, start: str | None) -> tuple[list[LedgerEntry], str | None]:
    """Newest first; the entries and the position to continue after (or None at the end)."""
    raws, position = dynamo.newest_first(f"MEMBER#{member_id}", limit, start, sort_prefix="LEDGER#")
    return [_entry(LedgerItem.from_raw_data(raw)) for raw in raws], position


def _entry(item: LedgerItem) -> LedgerEntry:
    return LedgerEntry(
        entry_id=item.entry_id,
        type=EntryType(item.type),
        source=item.source,
        delta=item.delta,
        balance_after=item.balance_after,
        created_at=datetime.fromisoformat(item.created_at),
        day=date.fromisoformat(item.day),
        ref=item.ref,
        note=item.note,
        lots=dict(item.lots or {}),
    )


def recipient(member_id: str) -> tuple[Account, str | None] | None:
    """The account and its WeChat openid (None for members who never logged in through WeChat)."""
    item = dynamo.get(AccountItem, account_key(member_id))
    return (to_account(item), item.openid) if item else None


class OpenIdItem(Item):
    """`OPENID#<sha256(openid)>` / `OPENID`: which member a WeChat user is. Only a hash of the openid is
    used as a key, so it never appears in keys, indexes or logs."""

    member_id = UnicodeAttribute(attr_name="memberId")


def _openid_key(openid: str) -> Key:
    return f"OPENID#{hashlib.sha256(openid.encode()).hexdigest()}", "OPENID"


def member_for_openid(openid: str) -> str | None:
    item = dynamo.get(OpenIdItem, _openid_key(openid))
    return item.member_id if item else None


def open_wechat_account(openid: str, opening: Change, zone: ZoneInfo, also: Transaction | None = None) -> str:
    """Map the openid to a new member and open its account (and write `also`) in one transaction; if a
    concurrent first login won, the member it opened."""
    account = opening.account
    mapping = OpenIdItem(*_openid_key(openid), member_id=account.member_id)
    try:
        tx = Transaction().put("openid", mapping).extend(open_parts(opening, zone, openid))
        tx.extend(also or Transaction()).commit()
    except AlreadyExists as exists:
        winner = dynamo.decode(OpenIdItem, exists.old)
        if winner is None:
            raise
        return winner.member_id
    return account.member_id
