"""A one-line progress bar for long work in a terminal (large copies, big CASCADE drops).

The engine reports ``progress(done, total, unit)``; :func:`terminal_progress` returns such a
callable that draws on a terminal, or None when the stream is not one (a pipe, a file), so
scripts and logs never get carriage returns and partial lines.
"""

from __future__ import annotations

import time
from typing import TextIO

_LABELS = {"bytes": "Copying model files", "versions": "Removing model files",
           "source versions": "Migrating versions"}
_REDRAW = 0.1  # seconds between redraws: enough to look alive, cheap for many small steps


class ProgressBar:
    """Draws ``Copying model files [#####-----]  52%  104.9/200.0 MB`` and keeps it on one line.
    Call :meth:`close` when the work is over (it erases the bar)."""

    def __init__(self, stream: TextIO, width: int = 30):
        self.stream = stream
        self.width = width
        self._last = 0.0
        self._drawn = False

    def __call__(self, done: int, total: int, unit: str) -> None:
        now = time.monotonic()
        if done < total and now - self._last < _REDRAW:
            return
        self._last = now
        fraction = done / total if total else 1.0
        filled = int(self.width * fraction)
        bar = "#" * filled + "-" * (self.width - filled)
        if unit == "bytes":
            amount = f"{done / 1e6:.1f}/{total / 1e6:.1f} MB"
        else:
            amount = f"{done}/{total} {unit}"
        label = _LABELS.get(unit, "Working")
        self.stream.write(f"\r{label} [{bar}] {fraction:4.0%}  {amount}\x1b[K")
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        if self._drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._drawn = False


def terminal_progress(stream: TextIO) -> ProgressBar | None:
    """A progress bar drawing on ``stream`` if it is a terminal, else None (no progress shown)."""
    try:
        return ProgressBar(stream) if stream.isatty() else None
    except (AttributeError, ValueError):  # a closed or unusual stream
        return None
