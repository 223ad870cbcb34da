"""The rules document: one item, read through powertools' parameters cache, written whole and versioned.

Everything else that decisions read and that changes rarely (campaigns, revoked service clients) lives in
the same `CONFIG` partition, so one cached query serves it all: no extra round trip per request, even on a
cache miss."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import boto3
from aws_lambda_powertools.utilities import parameters
from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError
from pynamodb.attributes import UnicodeAttribute

from mall.data import dynamo
from mall.data.dynamo import IntegerAttribute, Item
from mall.data.retry import is_throttled
from mall.data.transaction import Transaction, lost_race
from mall.domain.rules import DEFAULT_RULES, Rules
from mall.settings import settings

CONFIG_PK, RULES_SK = "CONFIG", "RULES"
RULES_PK = CONFIG_PK


class RulesItem(Item):
    """`CONFIG` / `RULES`: the whole rules document as JSON (what the parameters provider reads) and
    its version (1 for the first document stored; the defaults, never stored, are version 0)."""

    value = UnicodeAttribute()
    updated_at = UnicodeAttribute(attr_name="updatedAt")
    version = IntegerAttribute(null=True)


@lru_cache(maxsize=1)
def _provider() -> parameters.DynamoDBProvider:
    return parameters.DynamoDBProvider(
        table_name=settings().table_name,
        key_attr="PK",
        sort_attr="SK",
        value_attr="value",
        boto3_client=boto3.resource("dynamodb"),
    )


def config() -> dict[str, Any]:
    """Every `CONFIG` item's value by sort key, from one cached query (RULES_CACHE_SECONDS): the rules
    and whatever else functions must learn of within that interval (revoked service clients)."""
    try:
        return dict(_provider().get_multiple(CONFIG_PK, max_age=settings().rules_cache_seconds) or {})
    except GetParameterError as exc:
        # powertools wraps every failure; throttling is retried (or answered 503) like any other read's.
        if exc.__context__ is not None and is_throttled(exc.__context__):
            raise exc.__context__ from exc
        raise


def clear_cache() -> None:
    _provider().clear_cache()


def current() -> Rules:
    """The rules in force, cached for RULES_CACHE_SECONDS (so a change applies without a deploy)."""
    document = config().get(RULES_SK)
    return Rules.model_validate_json(str(document)) if document else DEFAULT_RULES


def stored() -> tuple[Rules, int]:
    """The document and its version as stored now (a consistent read: an admin sees their own change)."""
    item = dynamo.get(RulesItem, (RULES_PK, RULES_SK))
    if item is None:
        return DEFAULT_RULES, 0
    return Rules.model_validate_json(item.value), item.version or 0


def replace(rules: Rules, version_read: int, updated_at: str, also: Transaction) -> int:
    """Store `rules` as the next version, only if the stored one is still `version_read` (`LostRace`
    otherwise), with `also` (its audit entry). Returns the new version."""
    item = RulesItem(
        RULES_PK,
        RULES_SK,
        value=rules.model_dump_json(by_alias=True),
        updated_at=updated_at,
        version=version_read + 1,
    )
    # A document stored before versions existed counts as version 0, like the defaults.
    unchanged = RulesItem.version.does_not_exist() if version_read == 0 else RulesItem.version == version_read
    Transaction().put("rules", item, condition=unchanged, on_fail=lost_race).extend(also).commit()
    clear_cache()
    return version_read + 1
