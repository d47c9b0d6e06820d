"""The papermill runner used by the CLI, the server extension and the control service."""

from .execute import (
    JobRun,
    RunListener,
    kill_process_group,
    process_alive,
    run_job,
    strip_ansi,
)
from .records import (
    FINISHED,
    Run,
    RunRecord,
    StepError,
    StepResult,
    list_run_folders,
    load_record,
    new_run_id,
    planned_record,
    read_log,
    run_folder,
    save_record,
)

__all__ = [
    "FINISHED",
    "JobRun",
    "Run",
    "RunListener",
    "RunRecord",
    "StepError",
    "StepResult",
    "kill_process_group",
    "list_run_folders",
    "load_record",
    "new_run_id",
    "planned_record",
    "process_alive",
    "read_log",
    "run_folder",
    "run_job",
    "save_record",
    "strip_ansi",
]
