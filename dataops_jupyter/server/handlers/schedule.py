"""``/dataops/schedule``: when a cron in a timezone fires next, as the control service reads it."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from tornado import web

from ...errors import InvalidInputError
from ...jobs import Schedule
from ...jobs.config import validation_problems
from ...jobs.schedule import check_timezone, next_runs
from ..models import SchedulePreview
from .base import DataOpsHandler, int_argument

#: Most run times one preview lists.
MAX_PREVIEW = 20


def schedule_of(cron: str, timezone: str, cron_field: str) -> Schedule | None:
    """The schedule of a request (``None`` without a cron), validated by the job model;
    ``InvalidInputError`` names the request's field (``cron_field`` or ``timezone``)."""
    if not cron:
        try:
            check_timezone(timezone)
        except ValueError as exc:
            raise InvalidInputError(f"'timezone': {exc}") from None
        return None
    return _validated(cron, timezone, cron_field)


def _validated(cron: str, timezone: str, cron_field: str) -> Schedule:
    try:
        return Schedule(cron=cron, timezone=timezone)
    except ValidationError as exc:
        key, message = validation_problems(exc)[0]
        field = cron_field if key == "cron" else "timezone"
        raise InvalidInputError(f"{field!r}: {message}") from None


class ScheduleHandler(DataOpsHandler):
    @web.authenticated
    def get(self) -> None:
        """``?cron=…&timezone=…&count=N``: the next N run times, in the timezone."""
        cron = self.get_query_argument("cron", "").strip()
        timezone = self.get_query_argument("timezone", "").strip() or "UTC"
        count = int_argument(self, "count", 3)
        if not cron:
            raise InvalidInputError("'cron' is required: a cron expression, e.g. '0 6 * * *'")
        if not 1 <= count <= MAX_PREVIEW:
            raise InvalidInputError(f"'count' must be from 1 to {MAX_PREVIEW}")
        schedule = _validated(cron, timezone, "cron")
        zone = ZoneInfo(schedule.timezone)
        times = next_runs(schedule.cron, schedule.timezone, datetime.now(UTC), count)
        self.reply(
            SchedulePreview(
                cron=schedule.cron,
                timezone=schedule.timezone,
                next=[time.astimezone(zone).isoformat() for time in times],
            )
        )
