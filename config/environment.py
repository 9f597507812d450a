"""Strict readers of environment variables for the settings.

django-environ reads any word it does not know as False (``DEBUG=maybe`` turns debugging off
without a word) and lets a number through whatever its sign, or fails with a bare ``ValueError``
that names no variable. A setting read here either gets a value it accepts or stops the
application at start with ``ImproperlyConfigured`` naming the variable, what it accepts and what
it got. An unset variable takes the setting's default; an empty one is a mistake like any other.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = frozenset({"true", "yes", "on", "1"})
FALSE_WORDS = frozenset({"false", "no", "off", "0"})
BOOLEAN_WORDS = "true or false (also yes/no, on/off, 1/0)"


class StrictEnv:
    """Typed, checked reads of ``environ`` (the process environment, ``.env`` included)."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ

    def bool(self, name: str, *, default: bool) -> bool:
        raw = self.environ.get(name)
        if raw is None:
            return default
        word = raw.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ImproperlyConfigured(f"{name} must be {BOOLEAN_WORDS}; got {raw!r}.")

    def int(self, name: str, *, default: int, minimum: int) -> int:
        """A whole number of at least ``minimum``."""
        return self._number(
            name,
            default,
            parse=int,
            within=lambda value: value >= minimum,
            accepts=f"a whole number of at least {minimum}",
        )

    def float(self, name: str, *, default: float, above: float | None = None) -> float:
        """A finite number greater than ``above``, or of at least 0 when ``above`` is None."""
        if above is None:
            bound, accepts = (lambda value: value >= 0), "a number of at least 0"
        else:
            bound, accepts = (lambda value: value > above), f"a number greater than {above:g}"
        return self._number(
            name,
            default,
            parse=float,
            within=lambda value: math.isfinite(value) and bound(value),
            accepts=accepts,
        )

    def _number(self, name: str, default, *, parse, within, accepts: str):
        raw = self.environ.get(name)
        if raw is None:
            return default
        try:
            value = parse(raw.strip())
        except ValueError:
            value = None
        if value is None or not within(value):
            raise ImproperlyConfigured(f"{name} must be {accepts}; got {raw!r}.")
        return value
