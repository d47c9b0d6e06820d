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
    control_service: boolean;
  };
}

/** Answer of `GET /dataops/jobs`. */
export interface JobList {
  jobs: Job[];
  invalid: InvalidJob[];
}

/** Answer of `GET /dataops/runs`. */
export interface RunList {
  runs: Run[];
}

/** Body of `POST /dataops/jobs`. */
export interface CreateJobRequest {
  name: string;
  team?: string;
  description?: string;
}

/** Body of `POST /dataops/jobs/{name}/runs`. */
export interface StartRunRequest {
  arguments?: Arguments;
}

/** Body of every error answer. */
export interface ErrorBody {
  error: string;
  message: string;
}

/** Whether a run has not ended yet. */
export function isActiveRun(run: Pick<Run, 'status'>): boolean {
  return ACTIVE_RUN_STATUSES.includes(run.status);
}
