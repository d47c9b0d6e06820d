"""The job model shared by the runner, the server extension, the control service and the CLI."""

from .arguments import check_arguments, parse_cli_arguments
from .catalog import JobCatalog
from .config import JOB_FILE, MAX_DESCRIPTION, JobConfig, Notify, Schedule, load_job_config
from .model import Job, discover_jobs, iter_job_folders, load_job
from .names import JobName, TeamName, check_job_name, check_team_name, quote
from .notebook import Step
from .template import convert_notebook, create_job

__all__ = [
    "JOB_FILE",
    "MAX_DESCRIPTION",
    "Job",
    "JobCatalog",
    "JobConfig",
    "JobName",
    "Notify",
    "Schedule",
    "Step",
    "TeamName",
    "check_arguments",
    "check_job_name",
    "check_team_name",
    "convert_notebook",
    "create_job",
    "discover_jobs",
    "iter_job_folders",
    "load_job",
    "load_job_config",
    "parse_cli_arguments",
    "quote",
]
