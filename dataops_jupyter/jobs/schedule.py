"""Cron in a job's timezone: which expressions are valid, and when they fire.

One module for everyone who reads a schedule: the job model validates ``[schedule]`` with
:func:`check_cron` and :func:`check_timezone`, the control service schedules with
:func:`next_run` and :func:`due_and_next`, and the server extension previews the next run
times with :func:`next_runs`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

#: A cron must fire at least once in this many years (29 February fires every four).
CRON_HORIZON_YEARS = 5


def cron_fires(cron: str) -> bool:
    """Whether a valid cron expression fires at all (``0 0 30 2 *`` never does)."""
    from croniter import CroniterBadDateError, croniter

    try:
        croniter(cron, datetime.now(UTC), max_years_between_matches=CRON_HORIZON_YEARS).get_next(
            datetime
        )
    except CroniterBadDateError:
        return False
    return True


def check_cron(cron: str) -> str:
    """``cron`` if it is a five-field cron expression that fires, else ``ValueError`` saying why."""
    from croniter import croniter

    if len(cron.split()) != 5 or not croniter.is_valid(cron):
        raise ValueError(
            f"{cron!r} is not a cron expression: use five fields "
            "'minute hour day-of-month month day-of-week', e.g. '0 6 * * 1-5'"
        )
    if not cron_fires(cron):
        raise ValueError(
            f"{cron!r} never fires (no such date within {CRON_HORIZON_YEARS} years, "
            "e.g. 30 February): check the day-of-month and month fields"
        )
    return cron


def check_timezone(timezone: str) -> str:
    """``timezone`` if it is an IANA timezone name, else ``ValueError`` saying what to use."""
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"{timezone!r} is not an IANA timezone: use a name like 'UTC' or 'Europe/Berlin'"
        ) from None
    return timezone


def next_runs(cron: str, timezone: str, after: datetime, count: int = 5) -> list[datetime]:
    """The next ``count`` times (UTC) after ``after`` at which ``cron`` fires in ``timezone``."""
    from croniter import croniter

    local = after.astimezone(ZoneInfo(timezone))
    iterator = croniter(cron, local)
    return [iterator.get_next(datetime).astimezone(UTC) for _ in range(count)]


def next_run(cron: str, timezone: str, after: datetime) -> datetime:
    """The next time (UTC) after ``after`` at which ``cron`` fires in ``timezone``."""
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
