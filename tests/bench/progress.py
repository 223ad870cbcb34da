"""A one-line progress bar on stderr for the benchmark's long phases (stdout stays for the results)."""

from __future__ import annotations

import sys
import threading
import time
from types import TracebackType


class Progress:
    """``with Progress("members", 2000) as bar: ... bar.advance()``; thread-safe, redrawn at most 10×/s.

    On a terminal the bar redraws in place; otherwise (a log file, CI) one line is written when done."""

    def __init__(self, label: str, total: int) -> None:
        self.label = label
        self.total = max(1, total)
        self.done = 0
        self._lock = threading.Lock()
        self._started = time.monotonic()
        self._drawn = 0.0
        self._tty = sys.stderr.isatty()

    def __enter__(self) -> Progress:
        self._draw(force=True)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._draw(force=True, final=True)

    def advance(self, count: int = 1) -> None:
        with self._lock:
            self.done += count
        self._draw()

    def _draw(self, *, force: bool = False, final: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._drawn < 0.1:
            return
        self._drawn = now
        with self._lock:
            done = self.done
        elapsed = now - self._started
        rate = done / elapsed if elapsed > 0 else 0.0
        filled = int(30 * min(done, self.total) / self.total)
        line = (
            f"{self.label:<28} [{'#' * filled}{'.' * (30 - filled)}] {done}/{self.total}"
            f"  {elapsed:5.1f} s  {rate:7.1f}/s"
        )
        if self._tty:
            sys.stderr.write("\r" + line + ("\n" if final else ""))
            sys.stderr.flush()
        elif final:
            print(line, file=sys.stderr, flush=True)
