"""Opaque list cursors: signed, and bound to the caller and the list they were issued for."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from typing import TypeVar

from mall.auth.keys import signing_key
from mall.errors import ValidationFailed


def _mac(payload: bytes) -> str:
    digest = hmac.new(signing_key(), b"cursor:" + payload, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode().rstrip("=")


def encode(owner: str, list_name: str, position: str | None) -> str | None:
    if position is None:
        return None
    payload = json.dumps({"o": owner, "l": list_name, "p": position}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(payload).decode().rstrip("=") + "." + _mac(payload)


def decode(cursor: str | None, owner: str, list_name: str) -> str | None:
    """The position inside the list, or 400 VALIDATION_ERROR for any cursor we did not issue here."""
    if cursor is None:
        return None
    try:
        body, mac = cursor.split(".", 1)
        payload = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        if not hmac.compare_digest(mac, _mac(payload)):
            raise ValueError("bad signature")
        data = json.loads(payload)
        if data["o"] != owner or data["l"] != list_name or not isinstance(data["p"], str):
            raise ValueError("not this caller's cursor")
        return str(data["p"])
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise ValidationFailed("cursor: invalid or not issued for this list") from exc


T = TypeVar("T")


def paged(
    owner: str, list_name: str, cursor: str | None, fetch: Callable[[str | None], tuple[list[T], str | None]]
) -> tuple[list[T], str | None]:
    """One page of a list: the cursor (issued to `owner` for `list_name`) opened into the position
    `fetch` continues after, and the position it stopped at sealed into the next cursor."""
    items, position = fetch(decode(cursor, owner, list_name))
    return items, encode(owner, list_name, position)
