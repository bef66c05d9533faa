"""Modules imported when first used instead of when a library imports them.

`defer` puts a stand-in for a module in `sys.modules`. The first name read from it (a submodule's
import reads `__path__`) imports the real module, whose names the stand-in then takes on; the real
module replaces it in `sys.modules`. A submodule that the real package imported while loading is the
one the import that asked for `__path__` gets (`_AlreadyImported`), never a second copy.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import threading
import types
from collections.abc import Sequence
from typing import Any

_lock = threading.RLock()
_loaded: set[str] = set()  # packages imported through their stand-in


class DeferredModule(types.ModuleType):
    """A stand-in for a module whose code has not run yet."""

    def __getattr__(self, attr: str) -> Any:
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
            _loaded.add(name)
            vars(self).update(vars(real))
            return real


class _AlreadyImported(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """The import system looks for a submodule after reading its package's `__path__`. When that read
    loaded a deferred package, the package may have imported the submodule meanwhile: this finds the
    module already in `sys.modules`, and its loader hands it over unchanged."""

    def find_spec(self, name: str, path: Sequence[str] | None,
                  target: types.ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        module = sys.modules.get(name)
        if module is None or target is not None or name.rpartition(".")[0] not in _loaded:
            return None
        return importlib.machinery.ModuleSpec(name, self, loader_state=module.__spec__)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        return sys.modules[spec.name]

    def exec_module(self, module: types.ModuleType) -> None:
        module.__spec__ = module.__spec__.loader_state  # the import system set the spec found above


_finder = _AlreadyImported()


def defer(*names: str) -> None:
    """A stand-in for each module of `names` not imported yet (a parent package is imported)."""
    with _lock:
        if _finder not in sys.meta_path:
            sys.meta_path.insert(0, _finder)
        for name in names:
            if name in sys.modules:
                continue
            parent, _, child = name.rpartition(".")
            if parent:
                importlib.import_module(parent)
            spec = importlib.util.find_spec(name)
            if spec is None:
                raise ModuleNotFoundError(f"no module named {name!r} to defer", name=name)
            stand_in = DeferredModule(name)
            stand_in.__spec__ = spec  # found without running the module (`importlib.util.find_spec` asks)
            sys.modules[name] = stand_in
            if parent:
                setattr(sys.modules[parent], child, stand_in)
