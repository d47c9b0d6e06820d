"""REST handlers under ``/dataops``, one module per resource."""

from .config import ConfigHandler
from .control_connection import ControlConnectionHandler
from .control_deployments import ControlActiveDeploymentHandler, ControlDeploymentsHandler
from .control_executions import (
    ControlExecutionByIdHandler,
    ControlExecutionCancelHandler,
    ControlExecutionHandler,
    ControlExecutionsHandler,
)
from .control_jobs import ControlJobHandler, ControlJobsHandler
from .control_logs import ControlLogHandler, ControlLogStreamHandler
from .control_properties import ControlPropertiesHandler
from .control_secrets import ControlSecretHandler, ControlSecretsHandler
from .control_status import ControlStatusHandler
from .jobs import JobHandler, JobRunsHandler, JobsHandler
from .output_notebooks import ControlExecutionNotebookHandler, RunNotebookHandler
from .runs import RunCancelHandler, RunHandler, RunLogHandler, RunsHandler
from .schedule import ScheduleHandler

_NAME = r"(?P<name>[^/]+)"
_RUN = r"(?P<run_id>[^/]+)"
_JOB = r"/dataops/control/jobs/(?P<job>[^/]+)"
_EXECUTION = _JOB + r"/executions/(?P<execution>[^/]+)"

#: URL pattern (below the server's base URL) → handler.
ROUTES = [
    (r"/dataops/config", ConfigHandler),
    (r"/dataops/jobs", JobsHandler),
    (rf"/dataops/jobs/{_NAME}", JobHandler),
    (rf"/dataops/jobs/{_NAME}/runs", JobRunsHandler),
    (r"/dataops/schedule", ScheduleHandler),
    (r"/dataops/runs", RunsHandler),
    (rf"/dataops/runs/{_RUN}", RunHandler),
    (rf"/dataops/runs/{_RUN}/log", RunLogHandler),
    (rf"/dataops/runs/{_RUN}/cancel", RunCancelHandler),
    (rf"/dataops/runs/{_RUN}/notebook", RunNotebookHandler),
    # the control service, through this server
    (r"/dataops/control/status", ControlStatusHandler),
    (r"/dataops/control/connection", ControlConnectionHandler),
    (r"/dataops/control/jobs", ControlJobsHandler),
    (_JOB, ControlJobHandler),
    (_JOB + "/deployments", ControlDeploymentsHandler),
    (_JOB + "/active-deployment", ControlActiveDeploymentHandler),
    (_JOB + "/executions", ControlExecutionsHandler),
    (_EXECUTION, ControlExecutionHandler),
    (_EXECUTION + "/cancel", ControlExecutionCancelHandler),
    (_EXECUTION + "/logs", ControlLogHandler),
    (_EXECUTION + "/logs/stream", ControlLogStreamHandler),
    (_EXECUTION + "/notebook", ControlExecutionNotebookHandler),
    (_JOB + "/properties", ControlPropertiesHandler),
    (_JOB + "/secrets", ControlSecretsHandler),
    (_JOB + r"/secrets/(?P<name>[^/]+)", ControlSecretHandler),
    (r"/dataops/control/executions/(?P<execution>[^/]+)", ControlExecutionByIdHandler),
]

__all__ = ["ROUTES"]
