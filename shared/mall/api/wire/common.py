"""Wire models shared by several routes (camelCase JSON, optional fields present as null)."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from pydantic import BaseModel, ConfigDict
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
