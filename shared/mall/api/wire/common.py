"""Wire models shared by several routes (camelCase JSON, optional fields present as null)."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Generic, TypeVar

from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from pydantic import AfterValidator, AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic.alias_generators import to_camel

T = TypeVar("T")


class WireModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class Page(WireModel, Generic[T]):
    items: list[T]
    next_cursor: str | None


Limit = Annotated[int, Query(ge=1, le=100, description="page size, 1 to 100")]
Cursor = Annotated[str | None, Query(max_length=2048, description="opaque cursor from a previous page")]

ID_PATTERN = r"^[A-Za-z0-9_.-]{1,64}$"
# Ids in paths become parts of DynamoDB keys: bound them so no client input reaches DynamoDB malformed.
Id = Annotated[str, Path(pattern=ID_PATTERN, description="letters, digits, '.', '_' or '-', at most 64")]


# Times and dates the API accepts: ISO 8601 text only (pydantic alone would take a number as a Unix
# time, and a date-time for a date), an offset on every time, and years 2000 to 2100 (far years overflow
# once converted, and no business date lies there). The document states the same as a pattern.
FIRST_YEAR, LAST_YEAR = 2000, 2100
_YEARS = "(20[0-9]{2}|2100)"
_MONTH_DAY = "-[0-9]{2}-[0-9]{2}"
_TIME = "T[0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?(Z|z|[+-][0-9]{2}:?[0-9]{2})"


def _iso_text(shape: str, meaning: str) -> BeforeValidator:
    """Only text of this shape (any year: the year gets its own message after parsing)."""
    pattern = re.compile("[0-9]{4}" + shape)

    def check(value: Any) -> Any:
        if not isinstance(value, str) or not pattern.fullmatch(value):
            raise ValueError(f"must be {meaning}")
        return value

    return BeforeValidator(check)


def _in_years(value: Any) -> Any:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(f"must be in the years {FIRST_YEAR} to {LAST_YEAR}")
    return value


_INSTANT = "an ISO 8601 date-time with an offset, years 2000 to 2100"
Instant = Annotated[
    AwareDatetime,
    _iso_text(_MONTH_DAY + _TIME, _INSTANT),
    AfterValidator(_in_years),
    Field(description=_INSTANT, json_schema_extra={"pattern": f"^{_YEARS}{_MONTH_DAY}{_TIME}$"}),
]
_DAY = "a date as YYYY-MM-DD, years 2000 to 2100"
Day = Annotated[
    date,
    _iso_text(_MONTH_DAY, _DAY),
    AfterValidator(_in_years),
    Field(description=_DAY, json_schema_extra={"pattern": f"^{_YEARS}{_MONTH_DAY}$"}),
]
