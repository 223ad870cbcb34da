"""The rules document: one item, read through powertools' parameters cache, written whole."""

from __future__ import annotations

from functools import lru_cache

import boto3
from aws_lambda_powertools.utilities import parameters
from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError
from pynamodb.attributes import UnicodeAttribute

from mall.data import dynamo
from mall.data.dynamo import Item
from mall.data.retry import is_throttled
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


def current() -> Rules:
    """The rules in force, cached for RULES_CACHE_SECONDS (so a change applies without a deploy)."""
    try:
        stored = _provider().get_multiple(RULES_PK, max_age=settings().rules_cache_seconds)
    except GetParameterError as exc:
        # powertools wraps every failure; throttling is retried (or answered 503) like any other read's.
        if exc.__context__ is not None and is_throttled(exc.__context__):
            raise exc.__context__ from exc
        raise
    document = stored.get(RULES_SK) if stored else None
    return Rules.model_validate_json(str(document)) if document else DEFAULT_RULES


def replace(rules: Rules, updated_at: str) -> Rules:
    document = rules.model_dump_json(by_alias=True)
    dynamo.put(RulesItem(RULES_PK, RULES_SK, value=document, updated_at=updated_at))
    _provider().clear_cache()
    return rules
