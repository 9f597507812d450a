from __future__ import annotations

from tests.staff import *  # noqa: F403 (alice / bob / charlie and their QuickBooks integration)
from tests.sync.conftest import sandboxes  # noqa: F401 (the sandboxes over real HTTP)
