"""Calls into the sync engine, which is built alongside this app: a function that does not exist
yet is skipped rather than failing the connection settings that would call it."""

from __future__ import annotations

import importlib
from collections.abc import Callable


def sync_hook(module: str, name: str) -> Callable | None:
    try:
        found = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name != module:
            raise  # the module exists but is broken: that must be seen
        return None
    return getattr(found, name, None)
