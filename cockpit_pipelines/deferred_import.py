"""Modules imported when first used instead of when a library imports them.

Great Expectations imports SciPy's `stats` and Altair with its own package (for its KL-divergence and
Kolmogorov-Smirnov expectations and their charts), about a third of its import's CPU, whatever
expectations a suite uses. `defer` puts a stand-in for each in `sys.modules`; the first attribute
read from it imports the real module, which then answers every later use.
"""

from __future__ import annotations

import importlib
import sys
import threading
import types
from typing import Any

_lock = threading.Lock()


class DeferredModule(types.ModuleType):
    """A stand-in for a module not imported yet."""

    def __getattr__(self, attr: str) -> Any:  # only for names the stand-in does not hold yet
        if attr.startswith("__"):
            raise AttributeError(attr)
        return getattr(self.load(), attr)

    def load(self) -> types.ModuleType:
        """Import the real module (once) and take on its names."""
        name = self.__name__
        with _lock:
            if sys.modules.get(name) is not self:
                return sys.modules[name]
            del sys.modules[name]
            parent, _, child = name.rpartition(".")
            if parent and vars(sys.modules[parent]).get(child) is self:
                delattr(sys.modules[parent], child)
            try:
                real = importlib.import_module(name)
            except BaseException:
                sys.modules[name] = self
                raise
            vars(self).update(vars(real))
            return real


def defer(*names: str) -> None:
    """A stand-in for each module of `names` not imported yet (its parent package is imported)."""
    for name in names:
        if name in sys.modules:
            continue
        parent, _, child = name.rpartition(".")
        stand_in = DeferredModule(name)
        sys.modules[name] = stand_in
        if parent:
            setattr(importlib.import_module(parent), child, stand_in)
