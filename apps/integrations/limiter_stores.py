"""The two small stores the limiter keeps beside its rate windows: concurrency leases ("at most
N requests at once") and blocks ("the provider said: nothing before then"). One Redis version,
shared by every process, and one in-process version for the embedded defaults (no REDIS_URL).

Leases expire: a worker killed in the middle of a request never hands its slot back, so every
lease carries an expiry a little longer than a request may last, and an expired lease no longer
counts. Redis keeps the time (``TIME`` inside the scripts), so machines whose clocks differ agree.
See docs/limits.md.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol

# A lease is taken and freed atomically: expired leases are dropped, then one is added only if
# fewer than the limit are left. Scores are the leases' expiry in Redis's own milliseconds.
LEASE_TAKE = """
local now = redis.call('TIME')
local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ms)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then
    return 0
end
redis.call('ZADD', KEYS[1], ms + tonumber(ARGV[2]), ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
"""

# A block only ever grows: a shorter wait asked later never shortens a longer one.
BLOCK_EXTEND = """
local ttl = redis.call('PTTL', KEYS[1])
if ttl < tonumber(ARGV[1]) then
    redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[1])
end
return 1
"""


class Leases(Protocol):
    def take(self, scope: str, limit: int, lease_seconds: float, token: str) -> bool: ...

    def give_back(self, scope: str, token: str) -> None: ...


class Blocks(Protocol):
    def extend(self, scope: str, seconds: float, reason: str) -> None: ...

    def longest(self, scopes: list[str]) -> tuple[float, str]: ...

    def clear(self, scope: str) -> None: ...


class _RedisStore:
    kind = ""
    script = ""

    def __init__(self, client, prefix: str) -> None:
        self._client = client
        self._prefix = prefix
        self._script = client.register_script(self.script)

    def _key(self, scope: str) -> str:
        return f"{self._prefix}:{self.kind}:{scope}"


class RedisLeases(_RedisStore):
    kind = "leases"
    script = LEASE_TAKE

    def take(self, scope: str, limit: int, lease_seconds: float, token: str) -> bool:
        lease_ms = max(1, int(lease_seconds * 1000))
        return bool(self._script(keys=[self._key(scope)], args=[limit, lease_ms, token]))

    def give_back(self, scope: str, token: str) -> None:
        self._client.zrem(self._key(scope), token)


class RedisBlocks(_RedisStore):
    kind = "blocked"
    script = BLOCK_EXTEND

    def extend(self, scope: str, seconds: float, reason: str) -> None:
        wait_ms = max(1, int(seconds * 1000))
        self._script(keys=[self._key(scope)], args=[wait_ms, reason])

    def longest(self, scopes: list[str]) -> tuple[float, str]:
        pipe = self._client.pipeline(transaction=False)
        for scope in scopes:
            pipe.pttl(self._key(scope))
            pipe.get(self._key(scope))
        answers = pipe.execute()
        pairs = zip(answers[::2], answers[1::2], strict=True)
        found = [(ms / 1000, reason) for ms, reason in pairs if ms > 0]
        if not found:
            return 0.0, ""
        seconds, reason = max(found, key=lambda pair: pair[0])
        return seconds, reason.decode() if isinstance(reason, bytes) else str(reason or "")

    def clear(self, scope: str) -> None:
        self._client.delete(self._key(scope))


class MemoryLeases:
    """One process's leases (the embedded defaults): the same rules, a dict and a lock."""

    def __init__(self, clock=time.monotonic) -> None:
        self._clock = clock
        self._held: dict[str, dict[str, float]] = {}
        self._lock = threading.Lock()

    def take(self, scope: str, limit: int, lease_seconds: float, token: str) -> bool:
        now = self._clock()
        with self._lock:
            held = self._held.setdefault(scope, {})
            for expired in [t for t, until in held.items() if until <= now]:
                del held[expired]
            if len(held) >= limit:
                return False
            held[token] = now + lease_seconds
            return True

    def give_back(self, scope: str, token: str) -> None:
        with self._lock:
            self._held.get(scope, {}).pop(token, None)


class MemoryBlocks:
    def __init__(self, clock=time.monotonic) -> None:
        self._clock = clock
        self._until: dict[str, tuple[float, str]] = {}
        self._lock = threading.Lock()

    def extend(self, scope: str, seconds: float, reason: str) -> None:
        until = self._clock() + seconds
        with self._lock:
            if self._until.get(scope, (0.0, ""))[0] < until:
                self._until[scope] = (until, reason)

    def longest(self, scopes: list[str]) -> tuple[float, str]:
        now = self._clock()
        with self._lock:
            found = [self._until[s] for s in scopes if s in self._until]
        found = [(until - now, reason) for until, reason in found if until > now]
        return max(found, key=lambda pair: pair[0]) if found else (0.0, "")

    def clear(self, scope: str) -> None:
        with self._lock:
            self._until.pop(scope, None)
