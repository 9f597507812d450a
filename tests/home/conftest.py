from __future__ import annotations

from tests.staff import *  # noqa: F403 (alice / bob / charlie and their QuickBooks integration)
