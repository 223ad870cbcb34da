"""The rules document on the wire: what PUT takes (every field, and the version it was read at) and what
GET answers (the document and its version). Both are made from the domain's `Rules`, so a field added
there is required here without a word."""

from __future__ import annotations

import copy

from pydantic import Field
from pydantic_core import PydanticUndefined

from mall.domain.rules import Rules
from mall.services.rules import StoredRules


class RulesBody(Rules):
    """PUT /admin/rules: the whole document (a missing field is a 400 naming it, never a silent default).
    Besides each field's own bounds: the first tier's threshold is 0, thresholds strictly ascend, tier names
    are unique, and pendingDays is at most a rolling expiry's days."""

    version: int | None = Field(
        default=None,
        ge=0,
        description="the version GET answered: if the rules changed since, 409 VERSION_CONFLICT; "
        "without it the document simply replaces",
    )

    def rules(self) -> Rules:
        return Rules.model_validate(self.model_dump(exclude={"version"}))


def _every_field_required(model: type[Rules]) -> None:
    """Take away the defaults `model` inherits from Rules (they are for reading stored documents)."""
    for name, inherited in Rules.model_fields.items():
        required = copy.copy(inherited)
        required.default, required.default_factory = PydanticUndefined, None
        model.model_fields[name] = required
    model.model_rebuild(force=True)


_every_field_required(RulesBody)


class RulesView(Rules):
    version: int = Field(ge=0, description="send it back with PUT to refuse a concurrent change")

    @classmethod
    def of(cls, stored: StoredRules) -> RulesView:
        return cls.model_validate({**dict(stored.rules), "version": stored.version})
