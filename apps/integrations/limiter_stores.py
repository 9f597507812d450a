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

# A block only ever grows: a shorter wait asked later never shortens a longer one.
BLOCK_EXTEND = """
local ttl = redis.call('PTTL', KEYS[1])
if ttl < tonumber(ARGV[1]) then
    redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[1])
end
return 1
"""


# Everything a request must get before it is sent, in one round trip (``RedisAdmission``):
# KEYS = the block keys, the lease key, then one moving-window key per rate window.
# ARGV = how many block keys, the concurrency limit, the lease's milliseconds, its token, the
# client's time (the `limits` library stamps its windows with it), then each window's limit and
# seconds. Answers {0} admitted, {1, ms, reason} blocked, {2} every slot taken, {3, i} window i
# is full. Nothing is counted unless everything fits: a window that is full leaves the others,
# and the slot, as they were. The windows are kept exactly as the `limits` library's moving
# window keeps them in Redis (a list of timestamps, newest first, trimmed to the limit), so
# its own calls (stats, align, clear) read and write the same counts.
ADMIT = """
local blocks = tonumber(ARGV[1])
local longest, reason = 0, ''
for i = 1, blocks do
    local ttl = redis.call('PTTL', KEYS[i])
    if ttl > longest then
        longest, reason = ttl, redis.call('GET', KEYS[i]) or ''
    end
end
if longest > 0 then
    return {1, longest, reason}
end
local lease = KEYS[blocks + 1]
local now = redis.call('TIME')
local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', lease, '-inf', ms)
if redis.call('ZCARD', lease) >= tonumber(ARGV[2]) then
    return {2}
end
local stamp = tonumber(ARGV[5])
local windows = #KEYS - blocks - 1
for w = 1, windows do
    local limit, seconds = tonumber(ARGV[4 + 2 * w]), tonumber(ARGV[5 + 2 * w])
    local entry = redis.call('LINDEX', KEYS[blocks + 1 + w], limit - 1)
    if entry and tonumber(entry) >= stamp - seconds then
        return {3, w}
    end
end
for w = 1, windows do
    local key = KEYS[blocks + 1 + w]
    local limit, seconds = tonumber(ARGV[4 + 2 * w]), tonumber(ARGV[5 + 2 * w])
    redis.call('LPUSH', key, ARGV[5])
    redis.call('LTRIM', key, 0, limit - 1)
    redis.call('EXPIRE', key, seconds)
end
redis.call('ZADD', lease, ms + tonumber(ARGV[3]), ARGV[4])
redis.call('PEXPIRE', lease, ARGV[3])
return {0}
"""


class Leases(Protocol):
    def give_back(self, scope: str, token: str) -> None: ...


class Blocks(Protocol):
    def extend(self, scope: str, seconds: float, reason: str) -> None: ...

    def clear(self, scope: str) -> None: ...


class Admission(Protocol):
    def admit(self, *, block_scopes, lease_scope, limit, lease_seconds, token, windows) -> list:
        """``ADMIT``'s answer for one request (see there)."""


class _RedisStore:
    kind = ""

    def __init__(self, client, prefix: str) -> None:
        self._client = client
        self._prefix = prefix

    def key(self, scope: str) -> str:
        return f"{self._prefix}:{self.kind}:{scope}"


class RedisLeases(_RedisStore):
    """Leases are taken by ``ADMIT``; handed back here."""

    kind = "leases"

    def give_back(self, scope: str, token: str) -> None:
        self._client.zrem(self.key(scope), token)


class RedisBlocks(_RedisStore):
    """Blocks are set and cleared here, and read by ``ADMIT``."""

    kind = "blocked"

    def __init__(self, client, prefix: str) -> None:
        super().__init__(client, prefix)
        self._extend = client.register_script(BLOCK_EXTEND)

    def extend(self, scope: str, seconds: float, reason: str) -> None:
        wait_ms = max(1, int(seconds * 1000))
        self._extend(keys=[self.key(scope)], args=[wait_ms, reason])

    def clear(self, scope: str) -> None:
        self._client.delete(self.key(scope))


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


class MemoryAdmission:
    """``ADMIT``'s rules and answers in one process (the embedded defaults). The windows are
    counted one by one, tightest first: one refused by a later window leaves the earlier ones a
    request too many (erring safe); the slot is handed back."""

    def __init__(self, leases: MemoryLeases, blocks: MemoryBlocks, windows) -> None:
        self._leases, self._blocks, self._windows = leases, blocks, windows

    def admit(self, *, block_scopes, lease_scope, limit, lease_seconds, token, windows) -> list:
        seconds, reason = self._blocks.longest(list(block_scopes))
        if seconds > 0:
            return [1, seconds * 1000, reason]
        if not self._leases.take(lease_scope, limit, lease_seconds, token):
            return [2]
        try:
            for index, (item, scope) in enumerate(windows, start=1):
                if not self._windows.hit(item, scope):
                    self._leases.give_back(lease_scope, token)
                    return [3, index]
        except BaseException:
            self._leases.give_back(lease_scope, token)
            raise
        return [0]


class RedisAdmission:
    """``ADMIT`` for one request: blocks, a concurrency slot and every rate window, checked
    and counted in one round trip instead of four or more."""

    def __init__(self, client, *, block_key, lease_key, window_key) -> None:
        self._script = client.register_script(ADMIT)
        # scope → the stores' keys; (limits item, scope) → the library's Redis key
        self._block_key, self._lease_key, self._window_key = block_key, lease_key, window_key

    def admit(self, *, block_scopes, lease_scope, limit, lease_seconds, token, windows) -> list:
        """``windows``: (limits item, scope) pairs. The script's answer, as a list."""
        keys = [self._block_key(scope) for scope in block_scopes]
        keys.append(self._lease_key(lease_scope))
        keys += [self._window_key(item, scope) for item, scope in windows]
        args = [len(block_scopes), limit, max(1, int(lease_seconds * 1000)), token, time.time()]
        for item, _ in windows:
            args += [item.amount, item.get_expiry()]
        return self._script(keys=keys, args=args)
