"""When a watch is checked next: pure functions of the watch, its stages and the settings.

An article is checked at the interval of its age stage (the time since it last changed), or
at its own `every`; failures double the interval up to `max_backoff`; a server's Retry-After
is honoured; jitter spreads the checks. No database access: the caller passes the stages.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from worker.durations import LONGEST_DURATION
from worker.models import Watch
from worker.settings import ScheduleSettings

Stages = tuple[tuple[timedelta, timedelta], ...]  # (age limit, interval), youngest first


def interval(watch: Watch, stages: Stages, now: datetime, changed: bool = False) -> timedelta:
    """The re-check interval: the watch's own `every`, else that of its age stage;
    `changed` means the article just changed, so its age restarts at zero."""
    if watch.every_seconds:
        return min(timedelta(seconds=watch.every_seconds), LONGEST_DURATION)
    since = timedelta(0) if changed else age(watch, now)
    return next((every for limit, every in stages if since < limit), stages[-1][1])


def next_check(
    watch: Watch,
    stages: Stages,
    settings: ScheduleSettings,
    now: datetime,
    failures: int,
    rng: random.Random,
    changed: bool = False,
) -> datetime:
    """When to check again: the interval, doubled per failure, with jitter."""
    every = interval(watch, stages, now, changed)
    if failures:
        # Backs off up to max_backoff, but a failure never makes checks more frequent.
        backed_off = min(every * 2 ** min(failures, 16), settings.max_backoff)
        every = max(every, backed_off)
    return now + every * rng.uniform(1 - settings.jitter, 1 + settings.jitter)


def retired(watch: Watch, stages: Stages, settings: ScheduleSettings, now: datetime) -> bool:
    """True once an article without its own interval is older than the last stage."""
    if watch.every_seconds or not settings.retire:
        return False
    return age(watch, now) >= stages[-1][0]


def not_before(
    when: datetime, now: datetime, retry_after: float | None, longest: timedelta
) -> datetime:
    """A server's Retry-After (429/503) is honoured: never check again sooner, but never
    wait longer than `longest` for it (a server asking for a year gets max_backoff)."""
    if retry_after is None:
        return when
    # Capped in seconds first: timedelta() of an absurd header value would overflow.
    return max(when, now + timedelta(seconds=min(retry_after, longest.total_seconds())))


def age(watch: Watch, now: datetime) -> timedelta:
    """Time since the article last changed (or was first enrolled)."""
    since = watch.last_change_at or watch.created_at or now
    return max(now - since, timedelta(0))
