"""Run records: ``.dataops/runs/<run_id>/`` with ``run.json``, ``log.txt`` and ``output.ipynb``."""

from __future__ import annotations

import os
import secrets
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args

from pydantic import BaseModel, Field

from ..contracts.results import CheckResult
from ..errors import NotFoundError

if TYPE_CHECKING:
    from ..jobs import Job

RunStatus = Literal["queued", "running", "succeeded", "failed", "cancelled", "timed_out"]
StepStatus = Literal["pending", "running", "succeeded", "failed", "cancelled", "skipped"]
#: Every status a run can have.
RUN_STATUSES: tuple[str, ...] = get_args(RunStatus)
FINISHED: frozenset[str] = frozenset({"succeeded", "failed", "cancelled", "timed_out"})

RUNS_FOLDER = Path(".dataops") / "runs"
RUN_FILE = "run.json"
LOG_FILE = "log.txt"
OUTPUT_FILE = "output.ipynb"


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_run_id() -> str:
    """A unique run id that sorts by time: UTC time to the second, then the millisecond as
    three hex digits and five random ones (``20260101T120000-1f4a3b2c1``-like, 8 digits)."""
    now = utcnow()
    return (
        now.strftime("%Y%m%dT%H%M%S")
        + "-"
        + f"{now.microsecond // 1000:03x}"
        + secrets.token_hex(3)[:5]
    )


class StepError(BaseModel):
    """Where and why a step failed, located in the original notebook. ``cell_index`` counts
    the notebook's cells from 0 (JupyterLab shows it plus one); ``evalue`` is the whole message
    and ``traceback`` the kernel's traceback, or ``ename: evalue`` when it sent none."""

    step: str
    notebook: str
    cell_index: int
    cell_id: str
    ename: str
    evalue: str
    traceback: str


class StepResult(BaseModel):
    """One step of a run."""

    name: str
    notebook: str
    cell_index: int
    cell_id: str
    status: StepStatus = "pending"
    started_at: datetime | None = None
    duration: float | None = None
    error: StepError | None = None
    #: Why the step was skipped (its cell is empty, or an earlier step ended the notebook).
    reason: str | None = None
    #: The first lines of the last result the step displayed (a query's table), as text.
    preview: str | None = None
    #: Warehouse tables the step wrote (``%%ingest`` targets, ``%%sql`` statements' targets),
    #: qualified as written (``shop.all_products``), in the order first written.
    writes: list[str] = Field(default_factory=list)
    #: Warehouse tables its ``%%sql`` statements read, in the order first read.
    reads: list[str] = Field(default_factory=list)
    #: What the contracts of the tables it wrote found.
    checks: list[CheckResult] = Field(default_factory=list)
    #: Rows its ``%%ingest`` and ``job.ingest`` loads put into their tables.
    rows_ingested: int = 0
    #: Rows those loads' contracts kept out of the tables (in ``<table>__quarantine``).
    rows_rejected: int = 0

    def add_report(self, report: StepReport) -> None:
        """Add what the kernel reported the step did."""
        self.writes += [name for name in report.writes if name not in self.writes]
        self.reads += [name for name in report.reads if name not in self.reads]
        self.checks += report.checks
        self.rows_ingested += report.rows_ingested
        self.rows_rejected += report.rows_rejected


class StepReport(BaseModel):
    """One line of ``steps.jsonl``: what a ``%%sql`` or ``%%ingest`` of a step did, as the
    kernel tells the runner (see :mod:`kernel_magics.report`)."""

    step: str
    writes: list[str] = Field(default_factory=list)
    reads: list[str] = Field(default_factory=list)
    checks: list[CheckResult] = Field(default_factory=list)
    #: Statements whose tables could not be read (their tables are missing from the lists).
    unparsed: int = 0
    #: Rows a load put into its table, and rows its contract kept out.
    rows_ingested: int = 0
    rows_rejected: int = 0


class Run(BaseModel):
    """A run as clients see it (``Run`` in docs/rest-api.md): its record without the ids of
    its processes."""

    run_id: str
    job: str
    path: str = ""
    arguments: dict[str, Any] = Field(default_factory=dict)
    status: RunStatus = "queued"
    created_at: datetime = Field(default_factory=utcnow)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    duration: float | None = None
    steps: list[StepResult] = Field(default_factory=list)
    error: StepError | None = None
    message: str | None = None


class RunRecord(Run):
    """The state of one run, written to ``run.json`` whenever it changes."""

    #: Process ids used to stop a run from another process; not sent to clients.
    runner_pid: int | None = None
    kernel_pgid: int | None = None

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    def wire(self, root: Path | None = None) -> Run:
        """The form sent to clients; ``path`` relative to ``root`` when given."""
        # The fields are valid already: copied without validating them again.
        run = Run.model_construct(**{name: getattr(self, name) for name in Run.model_fields})
        if root is not None:
            run.path = _relative(self.path, root)
        return run


def _relative(path: str, root: Path) -> str:
    """``path`` relative to ``root`` when it is below it, as it is otherwise (no file read)."""
    base = str(root)
    if path == base:
        return "."
    prefix = base.rstrip(os.sep) + os.sep
    return path[len(prefix) :] if path.startswith(prefix) else path


def planned_record(job: Job, arguments: dict[str, Any], run_id: str | None = None) -> RunRecord:
    """A queued run of ``job`` with every step pending."""
    return RunRecord(
        run_id=run_id or new_run_id(),
        job=job.name,
        path=str(job.folder),
        arguments=arguments,
        steps=[
            StepResult(name=s.name, notebook=s.notebook, cell_index=s.cell_index, cell_id=s.cell_id)
            for s in job.steps
        ],
    )


def run_folder(job_folder: Path, run_id: str) -> Path:
    return Path(job_folder) / RUNS_FOLDER / run_id


def save_record(folder: Path, record: RunRecord) -> None:
    """Write ``run.json`` atomically so a reader never sees a half-written file."""
    folder.mkdir(parents=True, exist_ok=True)
    data = record.model_dump_json(indent=2)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".run-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(data)
    os.replace(tmp, folder / RUN_FILE)


def load_record(folder: Path) -> RunRecord:
    """Read ``run.json`` from a run folder."""
    try:
        text = (folder / RUN_FILE).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NotFoundError(f"run {folder.name!r} not found") from None
    return RunRecord.model_validate_json(text)


def list_run_ids(job_folder: Path) -> list[str]:
    """The names of a job's run folders, newest first: one read of the runs folder, no file
    opened (a folder whose ``run.json`` is not written yet is listed too)."""
    try:
        with os.scandir(Path(job_folder) / RUNS_FOLDER) as entries:
            return sorted((entry.name for entry in entries if entry.is_dir()), reverse=True)
    except (FileNotFoundError, NotADirectoryError):
        return []


def list_run_folders(job_folder: Path) -> list[Path]:
    """Run folders of a job (those with a ``run.json``), newest first."""
    base = Path(job_folder) / RUNS_FOLDER
    folders = (base / name for name in list_run_ids(job_folder))
    return [folder for folder in folders if (folder / RUN_FILE).is_file()]


def read_log(folder: Path, offset: int = 0, limit: int = 1 << 20) -> tuple[str, int]:
    """Log text from byte ``offset`` (up to ``limit`` bytes of whole characters), next offset.

    An offset past the end of the log reads as the end: no text, and the log's size as the
    next offset (so a client that asks from too far on resumes where the log really is)."""
    path = folder / LOG_FILE
    try:
        with path.open("rb") as handle:
            offset = min(max(offset, 0), os.fstat(handle.fileno()).st_size)
            handle.seek(offset)
            chunk = handle.read(limit)
    except FileNotFoundError:
        return "", 0
    # Stop at the last complete UTF-8 character; the rest is sent next time.
    end = len(chunk)
    while end > 0 and end > len(chunk) - 4:
        try:
            text = chunk[:end].decode("utf-8")
            return text, offset + end
        except UnicodeDecodeError:
            end -= 1
    return chunk.decode("utf-8", errors="replace"), offset + len(chunk)
