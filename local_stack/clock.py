"""The local clock override: a file holding an offset from real time that the functions read.

Writing an offset (not an absolute time) lets time keep moving after it is set, so TTLs and cool-downs
still behave; the file is replaced atomically because every worker may read it at any moment.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any


def parse_now(value: Any) -> datetime:
    """An ISO 8601 instant with an explicit offset; ValueError says what is wrong with it."""
    if not isinstance(value, str) or not value:
        raise ValueError("now: required, an ISO 8601 timestamp with offset, e.g. 2025-01-31T23:59:00+08:00")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"now: {value!r} is not an ISO 8601 timestamp") from None
    if parsed.tzinfo is None:
        raise ValueError(f"now: {value!r} has no UTC offset (add Z or +08:00)")
    if not 2000 <= parsed.year <= 2100:  # as every time the API takes; far years overflow once converted
        raise ValueError(f"now: {value!r} is outside the years 2000 to 2100")
    return parsed


def offset_seconds(path: Path) -> float:
    """The current offset, 0 when the file is absent (real time)."""
    try:
        return float(json.loads(path.read_text(encoding="utf-8"))["offsetSeconds"])
    except FileNotFoundError:
        return 0.0


def now(path: Path) -> datetime:
    """The local stack's notion of now, in UTC."""
    return datetime.now(UTC) + timedelta(seconds=offset_seconds(path))


def set_now(path: Path, when: datetime) -> float:
    """Make ``when`` the current time from now on; returns the offset written."""
    offset = when.timestamp() - time.time()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name, dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump({"offsetSeconds": offset}, handle)
    os.replace(tmp, path)
    return offset


def reset(path: Path) -> None:
    """Back to real time."""
    path.unlink(missing_ok=True)
