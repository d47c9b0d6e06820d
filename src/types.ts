/**
 * Wire models of the `/dataops/...` REST API (docs/rest-api.md).
 *
 * This module is the single place where the frontend mirrors the server's
 * models: keep field names and types exactly as the server sends them.
 */

/** Arguments and parameter defaults: free-form JSON values by name. */
export type Arguments = { [name: string]: unknown };

/** A code cell tagged `step` (or `step:<name>`) in one of the job's notebooks. */
export interface Step {
  name: string;
  notebook: string;
  cell_index: number;
  cell_id: string;
  /** The first line of the cell's source that is not blank (shortened). */
  first_line: string;
}

/** When a deployed job runs. */
export interface Schedule {
  cron: string;
  timezone: string;
  enabled: boolean;
}

/** A job folder: job.toml plus its notebooks. */
export interface Job {
  name: string;
  team: string;
  description: string;
  /** Folder of the job, relative to the server root. */
  path: string;
  notebooks: string[];
  schedule: Schedule | null;
  retries: number;
  /** Seconds, or null for no limit. */
  timeout: number | null;
  /** Defaults from the `parameters` cell. */
  parameters: Arguments;
  steps: Step[];
}

/** A job folder that does not load, with the reason. */
export interface InvalidJob {
  path: string;
  message: string;
}

/** Where and why a step failed. */
export interface StepError {
  step: string;
  notebook: string;
  cell_index: number;
  cell_id: string;
  ename: string;
  evalue: string;
  /** Plain text, without ANSI codes. */
  traceback: string;
}

export type StepStatus =
  'pending' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'skipped';

export type CheckStatus = 'passed' | 'warning' | 'failed' | 'error' | 'skipped';
export type CheckSeverity = 'error' | 'warning' | 'info';

/** What one rule of a contract found on one table. */
export interface CheckResult {
  /** Stable id: the rule's own id, else `<object>.<property>.<kind>`. */
  rule: string;
  /** The warehouse table that was checked (`shop.all_products`). */
  table: string;
  /** The column the rule is about; null for a rule on the whole table. */
  property: string | null;
  /** `required`, `unique`, `type`, `minimum`, `nullValues`, `sql`… */
  kind: string;
  description: string;
  severity: CheckSeverity;
  /** `row`: judged row by row; `table`: an invariant of the whole table. */
  scope: 'row' | 'table';
  status: CheckStatus;
  /** The figure the rule was judged on; null when nothing was measured. */
  measured: number | string | null;
  /** The condition the figure had to meet, in words (`= 0`, `> 1000`). */
  threshold: string | null;
  unit: 'rows' | 'percent' | null;
  /** The SQL the figure came from. */
  sql: string | null;
  /** Up to five rows that break a row-level rule. */
  samples: { [column: string]: unknown }[];
  /** Why the rule was skipped or could not be evaluated. */
  reason: string | null;
}

/** One step of a run, as the runner records it (also an execution's step). */
export interface StepResult {
  name: string;
  notebook: string;
  cell_index: number;
  cell_id: string;
  status: StepStatus;
  /** ISO 8601, UTC. */
  started_at: string | null;
  /** Seconds. */
  duration: number | null;
  error: StepError | null;
  /** Why the step was skipped (its cell is empty, or the notebook ended early). */
  reason: string | null;
  /** The first lines of the step's last displayed result, as text. */
  preview: string | null;
  /** Warehouse tables the step wrote (`shop.all_products`), in the order first written. */
  writes: string[];
  /** Warehouse tables its SQL read, in the order first read. */
  reads: string[];
  /** What the contracts of the tables it wrote found. */
  checks: CheckResult[];
  /** Rows its loads (`%%ingest`, `job.ingest`) put into their tables. */
  rows_ingested: number;
  /** Rows those loads' contracts kept out (in `<table>__quarantine`). */
  rows_rejected: number;
}

export type RunStatus =
  'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'timed_out';

/** Statuses of a run that has not ended yet. */
export const ACTIVE_RUN_STATUSES: ReadonlyArray<RunStatus> = [
  'queued',
  'running'
];

/** One run of a job. */
export interface Run {
  run_id: string;
  job: string;
  path: string;
  arguments: Arguments;
  status: RunStatus;
  /** ISO 8601, UTC. */
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  /** Seconds. */
  duration: number | null;
  steps: StepResult[];
  error: StepError | null;
  /** Why a run ended early (timeout, cancel, crash). */
  message: string | null;
}

/** A slice of a run's log. */
export interface LogChunk {
  text: string;
  /** Where the next request starts (bytes). */
  offset: number;
  /** True once the run has ended and all text was sent. */
  complete: boolean;
}

/** Answer of `GET /dataops/config`. */
export interface Config {
  version: string;
  root: string;
  features: {
    runs: boolean;
    /** Whether the `/dataops/control` routes have a service (configured or embedded). */
    control_service: boolean;
    /** Whether that service is one this server started. */
    embedded_control_service: boolean;
  };
}

/** Answer of `GET /dataops/jobs`. */
export interface JobList {
  jobs: Job[];
  invalid: InvalidJob[];
}

/** Answer of `GET /dataops/jobs?runs=N`: also the newest runs of each job. */
export interface JobListWithRuns extends JobList {
  /** Job name → its newest runs, newest first. */
  runs: { [job: string]: Run[] };
}

/** Answer of `GET /dataops/runs`. */
export interface RunList {
  runs: Run[];
}

/** Answer of `GET /dataops/jobs/{name}/runs`: one page of a job's runs. */
export interface RunPage {
  /** Newest first. */
  runs: Run[];
  /** Pass as `before` for the next page; null on the last page. */
  next_cursor: string | null;
}

/** Body of `POST /dataops/jobs`. */
export interface CreateJobRequest {
  name: string;
  team?: string;
  description?: string;
  /** Where the new job folder goes, relative to the server root (default: the root). */
  folder?: string;
  /** A notebook (relative to the root) to make a job instead, with a job.toml beside it. */
  notebook?: string;
  /** A cron expression; empty or absent: no schedule. */
  schedule?: string;
  /** The IANA timezone the cron is read in (default `UTC`). */
  timezone?: string;
}

/** Answer of `GET /dataops/schedule`: when a cron fires next. */
export interface SchedulePreview {
  cron: string;
  timezone: string;
  /** ISO 8601 with the timezone's offset. */
  next: string[];
}

/** Body of `POST /dataops/jobs/{name}/runs`. */
export interface StartRunRequest {
  arguments?: Arguments;
  /** Start even while another run of the job is active. */
  force?: boolean;
}

/** Body of every error answer. */
export interface ErrorBody {
  error: string;
  message: string;
}

/*
 * Control service (`/dataops/control/...`): the service's own wire models.
 */

/** When a job deployed to the control service runs. */
export interface ControlSchedule {
  cron: string;
  timezone: string;
}

/** A job of the team on the control service. */
export interface ControlJob {
  team: string;
  name: string;
  description: string;
  /** ISO 8601, UTC. */
  created_at: string;
  updated_at: string;
  /** The deployed version that runs, or null before the first deploy. */
  active_version: number | null;
  /** Whether the schedule is on. */
  enabled: boolean;
  schedule: ControlSchedule | null;
  /** The next (up to 5) scheduled times; empty in the list of jobs. */
  next_runs: string[];
  retries: number;
  /** Seconds. */
  retry_delay: number;
  /** Seconds, or null for no limit. */
  timeout: number | null;
}

/** One immutable deployed version of a job. */
export interface Deployment {
  team: string;
  job: string;
  version: number;
  content_hash: string;
  /** ISO 8601, UTC. */
  created_at: string;
  created_by: string;
  reason: string;
  active: boolean;
  /** Step names, in order. */
  steps: string[];
  /** Defaults of the job's arguments. */
  parameters: Arguments;
  /** The output of the job's `tests/`. */
  test_output: string;
}

export type ExecutionStatus =
  | 'submitted'
  | 'running'
  | 'succeeded'
  | 'user_error'
  | 'platform_error'
  | 'cancelled'
  | 'skipped';

/** Statuses of an execution that has not ended yet. */
export const ACTIVE_EXECUTION_STATUSES: ReadonlyArray<ExecutionStatus> = [
  'submitted',
  'running'
];

export type ExecutionTrigger = 'manual' | 'schedule' | 'retry';

/** How one step of an execution went: the runner's own step record. */
export type ExecutionStep = StepResult;

/** One execution of a deployed job on the control service. */
export interface Execution {
  id: string;
  team: string;
  job: string;
  /** The deployed version that ran. */
  version: number;
  status: ExecutionStatus;
  trigger: ExecutionTrigger;
  arguments: Arguments;
  attempt: number;
  /** The execution this one retries. */
  retry_of: string | null;
  /** ISO 8601, UTC: the scheduled time, for scheduled executions. */
  scheduled_for: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  /** Why it ended early. */
  message: string | null;
  steps: ExecutionStep[];
  /** The failing step (`user_error`). */
  error: StepError | null;
}

/** Answer of `GET /dataops/control/status`. */
/** The control service this server uses, as JupyterLab's settings chose it. */
export interface ControlConnection {
  /** Null: the server's own configuration. */
  url: string | null;
  team: string | null;
  /** Whether it is the service this server started. */
  embedded: boolean;
  /** Whether the server holds a token for it (the token itself never comes back). */
  token_set: boolean;
}

/** The body of `PUT /dataops/control/connection`. */
export interface ControlConnectionRequest {
  /** `''`: the server's own configuration. */
  url: string;
  team: string;
  /** Left out: keep the current token (for the same URL only). */
  token?: string;
}

export interface ControlStatus {
  /** Whether this server has a control service (configured or embedded). */
  available: boolean;
  /** Whether it is the one this server started. */
  embedded: boolean;
  /** Its URL; null for the embedded service. */
  url: string | null;
  team: string | null;
  version: string | null;
  /** Whether it answered. */
  running: boolean;
  /** Why it is not running. */
  message: string | null;
}

/** Answer of `GET /dataops/control/jobs`. */
export interface ControlJobList {
  jobs: ControlJob[];
}

/** Answer of `GET /dataops/control/jobs/{job}/deployments`. */
export interface DeploymentList {
  deployments: Deployment[];
}

/** Answer of `GET /dataops/control/jobs/{job}/executions`. */
export interface ExecutionList {
  /** Newest first. */
  executions: Execution[];
  /** Pass as `before` for the next page; null on the last page. */
  next_cursor: string | null;
}

/** Body of `PATCH /dataops/control/jobs/{job}`. */
export interface UpdateControlJobRequest {
  enabled?: boolean;
  description?: string;
}

/** Body of `POST /dataops/control/jobs/{job}/deployments`. */
export interface DeployRequest {
  reason?: string;
  /** Deploy even if the folder did not change since the latest version. */
  force?: boolean;
}

/** Answer of `GET /dataops/control/jobs/{job}/secrets` (names only). */
export interface SecretNames {
  names: string[];
}

/** Body of `PUT /dataops/control/jobs/{job}/secrets/{name}`. */
export interface SetSecretRequest {
  value: string;
}

/** Body of `PUT /dataops/control/jobs/{job}/active-deployment`. */
export interface ActivateRequest {
  version: number;
}

/** Body of `POST /dataops/control/jobs/{job}/executions`. */
export interface StartExecutionRequest {
  arguments?: Arguments;
}

/** Whether an execution has not ended yet. */
export function isActiveExecution(
  execution: Pick<Execution, 'status'>
): boolean {
  return ACTIVE_EXECUTION_STATUSES.includes(execution.status);
}

/** Whether a run has not ended yet. */
export function isActiveRun(run: Pick<Run, 'status'>): boolean {
  return ACTIVE_RUN_STATUSES.includes(run.status);
}
