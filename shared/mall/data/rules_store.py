"""The rules document: one item, read through powertools' parameters cache, written whole.

Everything else that decisions read and that changes rarely (campaigns) lives in the same `CONFIG`
partition, so one cached query serves it all: no extra round trip per request, even on a cache miss."""

from __future__ import annotations

from functools import lru_cache

import boto3
from aws_lambda_powertools.utilities import parameters
from pynamodb.attributes import UnicodeAttribute

from mall.data import dynamo
from mall.data.dynamo import Item
from mall.domain.rules import DEFAULT_RULES, Rules
from mall.settings import settings

RULES_PK, RULES_SK = "CONFIG", "RULES"


class RulesItem(Item):
    """`CONFIG` / `RULES`: the whole rules document as JSON (what the parameters provider reads)."""

    value = UnicodeAttribute()
    updated_at = UnicodeAttribute(attr_name="updatedAt")


@lru_cache(maxsize=1)
def _provider() -> parameters.DynamoDBProvider:
    return parameters.DynamoDBProvider(
        table_name=settings().table_name,
        key_attr="PK",
        sort_attr="SK",
        value_attr="value",
        boto3_client=boto3.resource("dynamodb"),
    )


def documents() -> dict[str, str]:
    """Every document of the `CONFIG` partition by sort key, cached for RULES_CACHE_SECONDS (so a change
    applies without a deploy)."""
    stored = _provider().get_multiple(RULES_PK, max_age=settings().rules_cache_seconds)
    return {str(key): str(value) for key, value in (stored or {}).items()}


def forget() -> None:
    """Drop this container's cached documents (after writing one of them)."""
    _provider().clear_cache()


def current() -> Rules:
    """The rules in force."""
    document = documents().get(RULES_SK)
    return Rules.model_validate_json(document) if document else DEFAULT_RULES


def replace(rules: Rules, updated_at: str) -> Rules:
    document = rules.model_dump_json(by_alias=True)
    dynamo.put(RulesItem(RULES_PK, RULES_SK, value=document, updated_at=updated_at))
    forget()
    return rules
