"""A skip for tests that start the product's own processes against PostgreSQL and Redis."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection


def needs_postgres_and_redis(what: str) -> pytest.MarkDecorator:
    return pytest.mark.skipif(
        connection.vendor != "postgresql" or not settings.REDIS_URL,
        reason=f"{what} runs against PostgreSQL and Redis (DATABASE_URL, REDIS_URL)",
    )
