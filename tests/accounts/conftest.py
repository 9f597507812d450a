from __future__ import annotations

from tests.staff import *  # noqa: F403 (the alice / bob / charlie fixtures)
