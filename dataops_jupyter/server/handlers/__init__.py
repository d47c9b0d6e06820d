"""REST handlers under ``/dataops``, one module per resource."""

from .config import ConfigHandler
from .jobs import JobHandler, JobRunsHandler, JobsHandler
from .runs import RunCancelHandler, RunHandler, RunLogHandler, RunsHandler

_NAME = r"(?P<name>[^/]+)"
_RUN = r"(?P<run_id>[^/]+)"

#: URL pattern (below the server's base URL) → handler.
ROUTES = [
    (r"/dataops/config", ConfigHandler),
    (r"/dataops/jobs", JobsHandler),
    (rf"/dataops/jobs/{_NAME}", JobHandler),
    (rf"/dataops/jobs/{_NAME}/runs", JobRunsHandler),
    (r"/dataops/runs", RunsHandler),
    (rf"/dataops/runs/{_RUN}", RunHandler),
    (rf"/dataops/runs/{_RUN}/log", RunLogHandler),
    (rf"/dataops/runs/{_RUN}/cancel", RunCancelHandler),
]

__all__ = ["ROUTES"]
