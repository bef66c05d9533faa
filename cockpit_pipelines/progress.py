"""Progress for long CLI work: a bar on a terminal, plain lines in CI or when piped."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from typing import TextIO

Log = Callable[[str], None]
"""Where long library work reports what it does, a line at a time (`print`, a Dagster logger, a list)."""


class Progress:
    """`with Progress("generate", total=7, unit="day") as p: p.advance(label="2026-03-30")`."""

    def __init__(self, title: str, total: int, unit: str = "step", stream: TextIO | None = None) -> None:
        self.title, self.total, self.unit = title, max(total, 1), unit
        self.stream = stream or sys.stderr
        self.done = 0
        self.started = time.perf_counter()
        self.interactive = self.stream.isatty() and not os.environ.get("CI")

    def __enter__(self) -> Progress:
        if not self.interactive:
            self._line(f"{self.title}: {self.total} {self.unit}(s)")
        return self

    def advance(self, n: int = 1, label: str = "") -> None:
        self.done += n
        elapsed = time.perf_counter() - self.started
        if self.interactive:
            width = 30
            filled = int(width * self.done / self.total)
            bar = "█" * filled + "░" * (width - filled)
            self.stream.write(f"\r{self.title} {bar} {self.done}/{self.total} {label:<24.24} {elapsed:6.1f}s")
            self.stream.flush()
        else:
            self._line(f"{self.title}: {self.done}/{self.total} {label} ({elapsed:.1f}s)")

    def __exit__(self, *exc: object) -> None:
        if self.interactive:
            self.stream.write("\n")
            self.stream.flush()

    def _line(self, text: str) -> None:
        print(text, file=self.stream, flush=True)
