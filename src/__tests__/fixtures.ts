import { Job, Run, RunStatus } from '../types';

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
        cell_id: 'a1'
      },
      {
        name: 'transform',
        notebook: `${name}.ipynb`,
        cell_index: 2,
        cell_id: 'b2'
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
