"""Drains and webhook pulls asked for in quick succession become one task (docs/outbox.md,
"Requests for a drain are gathered").

A send saves a customer, an invoice and then sends it: three commits, each asking for a drain of
every integration, and every write then comes back from the ledger as a webhook asking for a
pull. One task each would cost a worker its fixed per-task work (the claim, the run, the queue
reads) many times over for one invoice, and a burst of sends would be drained a row at a time.

So a request is queued only when none of the same kind is queued already for the integration,
a moment later (``SYNC_DRAIN_GATHER_SECONDS``, ``SYNC_WEBHOOK_PULL_GATHER_SECONDS``): the
requests arriving meanwhile are served by it, and the drain takes everything waiting then in one
page (the provider's batch API for several invoices). The mark saying "one is queued" lives in
the shared cache (Redis) and is removed as the task **starts**, before it reads anything: a
change committed after that asks for, and gets, a task of its own, so nothing waits for a
task that has already looked. A task lost with a worker leaves its mark to expire
(``MARK_SECONDS``); the outbox sweep drains meanwhile, and the periodic pull reads what a
webhook announced.

A burst keeps a queued drain waiting (``hold``): each request pushes its start back by the
window, up to ``SYNC_DRAIN_GATHER_MAX_SECONDS`` after the first request it serves, so a send's
commits spread over more than the window still make one drain, and a burst's drains find full
pages; a lone change still goes one window after it (docs/outbox.md, "Requests for a drain are
gathered").

A drain's own follow-ups (its next page, a countdown) take the same mark (``queue_next``), so one
drain per integration is queued at a time and a worker goes round the integrations fairly
(docs/outbox.md, "Fair workers").

Without ``REDIS_URL`` (the embedded defaults) the web and worker processes share no cache, so
every request is queued at once, as before.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from celery.utils import uuid
from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)

DRAIN = "drain"
WEBHOOK_PULL = "webhook-pull"
# A mark outlives any normal wait in the queue; after this a lost task stops gathering.
MARK_SECONDS = 120


def _key(what: str, integration_id: int) -> str:
    return f"ledgerlink:sync:queued:{what}:{integration_id}"


def _last_key(integration_id: int) -> str:
    """When a drain of the integration was last asked for."""
    return f"ledgerlink:sync:last-asked:{DRAIN}:{integration_id}"


def _window_key(integration_id: int) -> str:
    """The queued drain's id and when the first request it serves came: (task id, time)."""
    return f"ledgerlink:sync:window:{DRAIN}:{integration_id}"


def _count_key(integration_id: int) -> str:
    """How many requests the queued drain's window gathered (within its maximum)."""
    return f"ledgerlink:sync:asked:{DRAIN}:{integration_id}"


def clock() -> float:
    """Seconds, the same in the web and worker processes (tests set it)."""
    return time.time()


def _shared() -> bool:
    return bool(settings.REDIS_URL)


def ask(what: str, integration_id: int, task_id: str = "") -> float | None:
    """The countdown to queue the task with, or None when one queued already serves this
    request. The mark is an atomic add of the id the task will be queued with: of two requests
    at once, one queues the task, and only that task removes the mark as it starts."""
    if not _shared():
        return 0.0
    if what != DRAIN:
        if not cache.add(_key(what, integration_id), task_id or "1", MARK_SECONDS):
            return None
        return float(settings.SYNC_WEBHOOK_PULL_GATHER_SECONDS)
    now = clock()
    if not cache.add(_key(what, integration_id), task_id or "1", MARK_SECONDS):
        cache.set(_last_key(integration_id), now, MARK_SECONDS)  # the queued one waits more
        _counted(integration_id, now)
        return None
    window = {
        _last_key(integration_id): now,
        _window_key(integration_id): (task_id or "1", now),
        _count_key(integration_id): 1,
    }
    cache.set_many(window, MARK_SECONDS)
    return float(settings.SYNC_DRAIN_GATHER_SECONDS)


def _max_seconds() -> float:
    return max(float(settings.SYNC_DRAIN_GATHER_SECONDS), settings.SYNC_DRAIN_GATHER_MAX_SECONDS)


def _counted(integration_id: int, now: float) -> None:
    """A request the queued drain serves, counted while its window lasts: what the drain's
    first page takes (``Hold.gathered``). Requests made while it then waits in a busy queue
    are not counted, so a drain's first page is bounded by its own window, not by how long the
    other integrations' pages kept it waiting (docs/outbox.md, "Fair workers")."""
    window = cache.get(_window_key(integration_id))
    if not window or now - window[1] > _max_seconds():
        return
    try:
        cache.incr(_count_key(integration_id))
    except ValueError:  # expired meanwhile
        cache.set(_count_key(integration_id), 1, MARK_SECONDS)


@dataclass(frozen=True)
class Hold:
    """``hold``'s answer: true when the drain queued itself again to wait; ``gathered`` is how
    many rows the drain that goes now takes at least: the requests its window served when the
    changes stopped, a full page when one is due (0: a page as a backlog's grow)."""

    held: bool
    gathered: int = 0

    def __bool__(self) -> bool:
        return self.held


def hold(
    task,
    integration_id: int,
    task_id: str | None,
    *,
    rows_due: Callable[[], int] | None = None,
    page: int = 0,
    whole: int = 0,
) -> Hold:
    """The queued drain ``task_id`` is starting: when requests are still arriving (the last
    less than ``SYNC_DRAIN_GATHER_SECONDS`` ago) and ``SYNC_DRAIN_GATHER_MAX_SECONDS`` have not
    passed since the first it serves, it queues itself again, to start one window after the
    last request (or at the maximum), keeping the mark, and returns True: the caller stops
    before reading anything. One Redis read; only a drain queued with a window waits (by a
    request, or a page's follow-up: ``queue_next``); the sweep's drain and a drain queued
    before a restart go at once. A drain that goes after gathering says how many requests it
    served: its first page takes that many rows (``page_rows``), not the small first page of a
    backlog.

    While changes keep arriving, ``rows_due()`` (the rows a drain could take now, counted up to
    a ``page``; one query) is asked before waiting again: a burst's drain goes as soon as it
    has a full page, in whole provider batches, rather than at the maximum with a part of one
    (QuickBooks allows 40 batches a minute: half-full ones cost a burst its minute). Until
    then it looks again about when a full page is due at the pace its rows came so far
    (``_next_look``), not every window: each look is a task of its own.

    A burst that reaches the maximum short of a full page goes then with all its rows, when
    they make at least ``whole`` rows (one whole provider batch of each kind: QuickBooks allows
    40 batches a minute, so pages of a few rows each, two part-filled batches apiece, cost a
    burst its minute). And a stream that will not gather that much by the maximum at the pace
    its requests came so far (staff saving steadily, in many organisations at once) goes after
    two windows with a backlog's small first page: waiting longer would gather nothing worth the
    delay."""
    if not _shared() or task_id is None or task.app.conf.task_always_eager:
        return Hold(False)  # run at once (eager tasks ignore a countdown): nothing to wait for
    keys = (
        _key(DRAIN, integration_id),
        _window_key(integration_id),
        _last_key(integration_id),
        _count_key(integration_id),
    )
    found = cache.get_many(keys)
    mark, window, last, gathered = (found.get(key) for key in keys)
    if mark != task_id or not window or window[0] != task_id or last is None:
        return Hold(False)
    base = float(settings.SYNC_DRAIN_GATHER_SECONDS)
    latest = window[1] + _max_seconds()
    now = clock()
    countdown = min(last + base, latest) - now
    if last + base - now <= 0.01:  # quiet for a window: the burst, if any, is over
        return Hold(False, gathered=int(gathered or 1))
    worth = min(page, whole) if whole else page
    rows = rows_due() if rows_due is not None else 0
    if countdown <= 0.01:  # the maximum reached with changes still arriving: go now
        # A burst's rows in one page; a stream's pages grow as a backlog's do.
        return Hold(False, gathered=rows if page and rows >= worth else 0)
    elapsed = now - window[1]
    if page and rows >= page:  # a full page is waiting: go now, with all of it
        return Hold(False, gathered=rows)
    if page and elapsed >= 2 * base and int(gathered or 0) * _max_seconds() < worth * elapsed:
        return Hold(False)  # a steady stream, not a burst: nothing worth a wait by the maximum
    countdown = _next_look(countdown, rows=rows, page=page, elapsed=elapsed, left=latest - now)
    next_id = uuid()
    cache.set_many({keys[0]: next_id, keys[1]: (next_id, window[1])}, MARK_SECONDS)
    task.apply_async((integration_id,), countdown=countdown, task_id=next_id)
    logger.info(
        "Drain of integration %s held %.2f s: changes still arriving", integration_id, countdown
    )
    return Hold(True)


def _next_look(window: float, *, rows: int, page: int, elapsed: float, left: float) -> float:
    """Seconds until a held drain looks again. A burst that will fill a ``page`` before the
    maximum (``left`` seconds away), at the pace its ``rows`` came in the ``elapsed`` seconds
    of its window, is looked at about when the page is full, not every window: a burst of 500
    sends looked at every half second cost the worker more in those looks than in sending its
    pages. The rows due include any from before the window, so the pace is if anything
    overestimated: a look too early costs one more task, never a late page. Anything slower
    (one send's commits, a trickle) is looked at one window after its last request, as
    before, so a lone send is not kept waiting for a page that will not come."""
    if not page or rows <= 0 or elapsed <= 0:
        return window
    fill = (page - rows) * elapsed / rows
    return max(window, fill) if fill <= left else window


def queue(task, what: str, integration_id: int, **kwargs) -> None:
    """Queue ``task`` for the integration unless one queued already serves the request."""
    task_id = uuid()
    countdown = ask(what, integration_id, task_id)
    if countdown is None:
        return
    if _shared() or countdown:
        task.apply_async((integration_id,), kwargs, countdown=countdown, task_id=task_id)
    else:
        task.delay(integration_id, **kwargs)


def drain_soon(integration_ids: list[int]) -> None:
    """Ask for a drain of each integration."""
    from .tasks import drain_integration  # the engine's task; tasks sit above this module

    for integration_id in integration_ids:
        queue(drain_integration, DRAIN, integration_id)


def queue_next(
    task, what: str, integration_id: int, *, countdown: float = 0.0, kwargs: dict | None = None
) -> bool:
    """A task with more to do (a drain's next page, a wait the limiter asked for) queues its
    next run, unless a request made while it ran has queued one already: that one serves it.
    The mark is then this task's, so requests arriving meanwhile are served by it too.

    So an integration has one task queued, however often its staff save while its backlog is
    sent: a worker goes round the integrations a page each (docs/outbox.md, "Fair workers").
    Otherwise every page started clears the mark, the next save queues a drain beside the
    page's own next one, and the backlog's drains double each time the worker goes round, each
    a page ahead of the other organisations' (with one worker process nothing ever merges them:
    only a drain that finds the integration claimed by another process ends its line)."""
    task_id = uuid()
    if _shared() and not cache.add(_key(what, integration_id), task_id, MARK_SECONDS):
        return False
    if _shared() and what == DRAIN:
        # Its own window: while changes keep arriving it gathers like a requested drain (a
        # burst's next page fills up), and a quiet backlog's next page goes at once.
        window = {_window_key(integration_id): (task_id, clock()), _count_key(integration_id): 0}
        cache.set_many(window, MARK_SECONDS)
    if _shared() or countdown:
        task.apply_async((integration_id,), kwargs, countdown=countdown, task_id=task_id)
    else:
        task.delay(integration_id, **(kwargs or {}))
    return True


def started(what: str, integration_id: int, task_id: str | None = None) -> None:
    """The queued task ``task_id`` is starting: later requests queue another (it may have
    looked already). A task the mark is not for (the outbox sweep's drain, one queued before a
    restart) leaves it: the task it is for has not looked yet, and serves what comes meanwhile;
    removing it let each such task start a line of its own beside it (docs/outbox.md, "Fair
    workers"). Without an id (called directly) the mark goes."""
    if not _shared():
        return
    key = _key(what, integration_id)
    if task_id is None or cache.get(key) in (task_id, "1", 1):
        cache.delete(key)


# --- pages that grow ------------------------------------------------------------------------
# An event drain's first page of a backlog takes this many rows, and each next page twice as
# many, up to the page size (docs/outbox.md, "Fair workers").
FIRST_PAGE_ROWS = 2
PAGE_MEMORY_SECONDS = 600


def _rows_key(integration_id: int) -> str:
    return f"ledgerlink:sync:page-rows:{integration_id}"


def _carried_key(integration_id: int) -> str:
    """What a gathered drain that found the integration busy would have taken."""
    return f"ledgerlink:sync:page-carried:{integration_id}"


def page_rows(integration_id: int, largest: int, *, gathered: int = 0) -> int:
    """How many rows the integration's next event drain takes. A worker goes round the
    integrations a page each, so the first invoice of the last organisation in the round waits
    for one page of every other: small first pages bring every organisation's first sends out
    in the first round; pages double while the backlog lasts, so a long one still goes in full
    batches. A drain that gathered ``gathered`` requests in its window takes at least that many
    rows (a request is at most one row): a burst's first page is what the burst made in the
    window, in whole batches, rather than 2, 4, 8 … rows a request each. Without Redis (one
    worker, the embedded defaults) every page is full."""
    if not _shared():
        return largest
    keys = (_rows_key(integration_id), _carried_key(integration_id))
    found = cache.get_many(keys)
    grown, carried = int(found.get(keys[0]) or FIRST_PAGE_ROWS), int(found.get(keys[1]) or 0)
    if carried:
        cache.delete(keys[1])
    return min(largest, max(grown, gathered, carried))


def page_carried(integration_id: int, rows: int) -> None:
    """The next page of the integration takes at least ``rows``: a gathered drain found another
    worker sending the integration's page (that worker's next page serves its requests, and
    takes the rows it gathered, not the small first page of a backlog; the other page may have
    emptied the queue meanwhile), or a page waits out a limit (the rows that piled up meanwhile
    go in one page of whole batches, not in pages of 2, 4, 8 … rows, two part-filled
    QuickBooks batches each, out of its 40 a minute)."""
    if _shared() and rows:
        carried = int(cache.get(_carried_key(integration_id)) or 0)
        cache.set(_carried_key(integration_id), max(carried, rows), PAGE_MEMORY_SECONDS)


def page_sent(integration_id: int, rows: int, *, more: bool) -> None:
    """The page of ``rows`` went: the next one takes twice as many while rows remain; a backlog
    sent in full starts small again."""
    if not _shared():
        return
    if more:
        cache.set(_rows_key(integration_id), rows * 2, PAGE_MEMORY_SECONDS)
    else:
        cache.delete(_rows_key(integration_id))
