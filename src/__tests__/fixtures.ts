import {
  CheckResult,
  CheckStatus,
  ControlJob,
  ControlStatus,
  Deployment,
  Execution,
  ExecutionStatus,
  Job,
  Run,
  RunStatus,
  StepError,
  StepResult,
  StepStatus
} from '../types';

/** A step of a run or an execution, as the runner records it. */
export function makeStep(
  name: string,
  status: StepStatus,
  overrides: Partial<StepResult> = {}
): StepResult {
  return {
    name,
    notebook: 'main.ipynb',
    cell_index: 1,
    cell_id: `cell-${name}`,
    status,
    started_at: null,
    duration: null,
    error: null,
    reason: null,
    preview: null,
    writes: [],
    reads: [],
    checks: [],
    rows_ingested: 0,
    rows_rejected: 0,
    ...overrides
  };
}

/** What one rule of a contract found, as the engine reports it. */
export function makeCheck(
  rule: string,
  status: CheckStatus,
  overrides: Partial<CheckResult> = {}
): CheckResult {
  return {
    rule,
    table: 'shop.products',
    property: null,
    kind: 'required',
    description: `Rule ${rule}`,
    severity: 'error',
    scope: 'row',
    status,
    measured: 0,
    threshold: '= 0',
    unit: 'rows',
    sql: null,
    samples: [],
    reason: null,
    ...overrides
  };
}

/** Where and why a step failed, as the runner reports it. */
export function makeStepError(
  step: string,
  notebook: string,
  cellIndex: number,
  ename: string,
  evalue: string
): StepError {
  return {
    step,
    notebook,
    cell_index: cellIndex,
    cell_id: `cell-${cellIndex}`,
    ename,
    evalue,
    traceback: ''
  };
}

/** A job as the server sends it. */
export function makeJob(name: string, overrides: Partial<Job> = {}): Job {
  return {
    name,
    team: 'analytics',
    description: `Loads ${name}`,
    path: name,
    notebooks: [`${name}.ipynb`],
    schedule: null,
    retries: 0,
    timeout: null,
    parameters: {},
    steps: [
      {
        name: 'ingest',
        notebook: `${name}.ipynb`,
        cell_index: 1,
        cell_id: 'a1',
        first_line: '%%ingest raw.orders'
      },
      {
        name: 'transform',
        notebook: `${name}.ipynb`,
        cell_index: 2,
        cell_id: 'b2',
        first_line: '%%sql'
      }
    ],
    ...overrides
  };
}

/** A run as the server sends it. */
export function makeRun(
  job: string,
  runId: string,
  status: RunStatus,
  overrides: Partial<Run> = {}
): Run {
  const ended = !['queued', 'running'].includes(status);
  return {
    run_id: runId,
    job,
    path: job,
    arguments: {},
    status,
    created_at: '2024-05-01T10:00:00Z',
    started_at: status === 'queued' ? null : '2024-05-01T10:00:01Z',
    finished_at: ended ? '2024-05-01T10:00:05Z' : null,
    duration: ended ? 4 : null,
    steps: [],
    error: null,
    message: null,
    ...overrides
  };
}

/** A fetch `Response` with a JSON body. */
export function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' }
  });
}

/** A job on the control service, as the service sends it. */
export function makeControlJob(
  name: string,
  overrides: Partial<ControlJob> = {}
): ControlJob {
  return {
    team: 'analytics',
    name,
    description: `Loads ${name}`,
    created_at: '2024-05-01T09:00:00Z',
    updated_at: '2024-05-01T09:00:00Z',
    active_version: 1,
    enabled: true,
    schedule: { cron: '0 * * * *', timezone: 'UTC' },
    next_runs: [],
    retries: 0,
    retry_delay: 60,
    timeout: null,
    ...overrides
  };
}

/** A deployed version, as the control service sends it. */
export function makeDeployment(
  job: string,
  version: number,
  overrides: Partial<Deployment> = {}
): Deployment {
  return {
    team: 'analytics',
    job,
    version,
    content_hash: `hash${version}`,
    created_at: '2024-05-01T09:00:00Z',
    created_by: 'analyst',
    reason: '',
    active: true,
    steps: ['ingest', 'transform'],
    parameters: {},
    test_output: '',
    ...overrides
  };
}

/** An execution, as the control service sends it. */
export function makeExecution(
  job: string,
  id: string,
  status: ExecutionStatus,
  overrides: Partial<Execution> = {}
): Execution {
  const ended = !['submitted', 'running'].includes(status);
  return {
    id,
    team: 'analytics',
    job,
    version: 1,
    status,
    trigger: 'manual',
    arguments: {},
    attempt: 1,
    retry_of: null,
    scheduled_for: null,
    created_at: '2024-05-01T10:00:00Z',
    started_at: status === 'submitted' ? null : '2024-05-01T10:00:01Z',
    finished_at: ended ? '2024-05-01T10:00:05Z' : null,
    message: null,
    steps: [],
    error: null,
    ...overrides
  };
}

/** The status of an embedded control service that answers. */
export function makeControlStatus(
  overrides: Partial<ControlStatus> = {}
): ControlStatus {
  return {
    available: true,
    embedded: true,
    url: null,
    team: 'analytics',
    version: '0.1.0',
    running: true,
    message: null,
    ...overrides
  };
}
