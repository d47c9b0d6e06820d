"""Cron in a job's timezone: the next run times."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo


def next_runs(cron: str, timezone: str, after: datetime, count: int = 5) -> list[datetime]:
    """The next ``count`` times (UTC) after ``after`` at which ``cron`` fires in ``timezone``."""
    from croniter import croniter

    local = after.astimezone(ZoneInfo(timezone))
    iterator = croniter(cron, local)
    return [iterator.get_next(datetime).astimezone(UTC) for _ in range(count)]


def next_run(cron: str, timezone: str, after: datetime) -> datetime:
    return next_runs(cron, timezone, after, 1)[0]


def due_and_next(
    cron: str, timezone: str, first_due: datetime, now: datetime
) -> tuple[datetime, datetime]:
    """The run to start now and the next fire time after ``now``.

    The run is the last fire time in ``[first_due, now]``: after downtime a job gets one
    catch-up run, for the most recent time it missed, not one per missed time.
    """
    from croniter import croniter

    due = first_due
    iterator = croniter(cron, first_due.astimezone(ZoneInfo(timezone)))
    for _ in range(100_000):
        following = iterator.get_next(datetime).astimezone(UTC)
        if following > now:
            return due, following
        due = following
    return due, next_run(cron, timezone, now)
