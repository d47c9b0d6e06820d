"""The job model shared by the runner, the server extension, the control service and the CLI."""

from .arguments import check_arguments, parse_cli_arguments
from .catalog import JobCatalog
from .config import JOB_FILE, JobConfig, Notify, Schedule, check_job_name, load_job_config
from .model import Job, describe_job, discover_jobs, iter_job_folders, load_job
from .notebook import Step
from .template import create_job

__all__ = [
    "JOB_FILE",
    "Job",
    "JobCatalog",
    "JobConfig",
    "Notify",
    "Schedule",
    "Step",
    "check_arguments",
    "check_job_name",
    "create_job",
    "describe_job",
    "discover_jobs",
    "iter_job_folders",
    "load_job",
    "load_job_config",
    "parse_cli_arguments",
]
