"""The one clock every function reads; the local stack can move it (POST /_local/clock)."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta

from mall.settings import settings

_cached: tuple[float, float] | None = None  # (file mtime, offset seconds)


def _offset_seconds() -> float:
    global _cached
    cfg = settings()
    if not (cfg.local_stack and cfg.clock_file):
        return 0.0
    try:
        mtime = os.stat(cfg.clock_file).st_mtime
    except FileNotFoundError:
        _cached = None
        return 0.0
    if _cached is None or _cached[0] != mtime:
        with open(cfg.clock_file, encoding="utf-8") as fh:
            _cached = (mtime, float(json.load(fh).get("offsetSeconds", 0.0)))
    return _cached[1]


def now() -> datetime:
    """Current time, timezone-aware UTC."""
    return datetime.now(UTC) + timedelta(seconds=_offset_seconds())
