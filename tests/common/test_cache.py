"""The Redis cache keeps one client per connection pool, and still behaves as Django's."""

from __future__ import annotations

import os
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from apps.common.cache import RedisCache

REDIS_URL = os.environ.get("REDIS_URL", "")
pytestmark = pytest.mark.skipif(not REDIS_URL, reason="needs Redis: set REDIS_URL")


def test_every_cache_call_reuses_one_redis_client():
    cache = RedisCache(REDIS_URL, {})

    assert cache._cache.get_client(write=True) is cache._cache.get_client(write=False)


def test_values_round_trip_from_many_threads_at_once():
    cache = RedisCache(REDIS_URL, {"KEY_PREFIX": f"test-{uuid.uuid4().hex}"})

    def write_then_read(n: int) -> int:
        cache.set(f"k{n}", n, 30)
        assert cache.add(f"k{n}", -1, 30) is False
        return cache.get(f"k{n}")

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(write_then_read, range(200))) == list(range(200))
    cache.delete_many([f"k{n}" for n in range(200)])
