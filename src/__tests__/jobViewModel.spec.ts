import { JobViewModel, NOT_DEPLOYED_RECHECK } from '../jobViewModel';
import { DataOpsRequestError, requestAPI } from '../request';
import { Execution, Run } from '../types';
import { makeExecution, makeJob, makeRun } from './fixtures';

jest.mock('../request', () => ({
  ...jest.requireActual('../request'),
  requestAPI: jest.fn()
}));

const mockedRequest = requestAPI as jest.MockedFunction<typeof requestAPI>;

const runId = (minute: number) => `20240501T10${minute}00-aaaaaaaa`;
const executionId = (minute: number) => `20240501T10${minute}00-bbbbbbbb`;

/**
 * A fake server extension: a job with runs and executions, paged by
 * `limit` and `before` and filtered by `status` as the server does.
 */
class FakeServer {
  runs: Run[] = [];
  executions: Execution[] | DataOpsRequestError = [];
  calls: string[] = [];

  install(): void {
    mockedRequest.mockImplementation(async (path = '') => {
      this.calls.push(path);
      const [route, query = ''] = path.split('?');
      const params = new URLSearchParams(query);
      if (route === 'jobs/orders') {
        return makeJob('orders') as any;
      }
      if (route === 'jobs/orders/runs') {
        const { items, cursor } = page(this.runs, r => r.run_id, params);
        return { runs: items, next_cursor: cursor } as any;
      }
      if (route === 'control/jobs/orders/executions') {
        if (this.executions instanceof DataOpsRequestError) {
          throw this.executions;
        }
        const { items, cursor } = page(this.executions, e => e.id, params);
        return { executions: items, next_cursor: cursor } as any;
      }
      throw new DataOpsRequestError(404, `no route ${route}`, 'not_found');
    });
  }
}

function page<T extends { status: string }>(
  all: T[],
  idOf: (item: T) => string,
  params: URLSearchParams
): { items: T[]; cursor: string | null } {
  const limit = Number(params.get('limit') ?? 50);
  const before = params.get('before');
  const statuses = params.getAll('status');
  const items = all
    .filter(item => !before || idOf(item) < before)
    .filter(item => statuses.length === 0 || statuses.includes(item.status))
    .slice(0, limit);
  return {
    items,
    cursor: items.length === limit ? idOf(items[items.length - 1]) : null
  };
}

describe('JobViewModel', () => {
  let server: FakeServer;
  let model: JobViewModel;

  beforeEach(() => {
    server = new FakeServer();
    server.install();
    model = new JobViewModel('orders');
  });

  afterEach(() => {
    model.dispose();
    mockedRequest.mockReset();
  });

  it('loads the job and one history of its runs and executions', async () => {
    server.runs = [30, 10].map(m =>
      makeRun('orders', runId(m), 'succeeded', {
        created_at: `2024-05-01T10:${m}:00Z`
      })
    );
    server.executions = [
      makeExecution('orders', executionId(20), 'user_error', {
        created_at: '2024-05-01T10:20:00Z'
      })
    ];
    await model.refresh();
    expect(model.job?.name).toBe('orders');
    expect(model.history.entries.map(e => [e.kind, e.id])).toEqual([
      ['run', runId(30)],
      ['execution', executionId(20)],
      ['run', runId(10)]
    ]);
    expect(model.history.next).toBeNull();
    expect(model.error).toBeNull();
  });

  it('asks both sides for the statuses of the filter', async () => {
    server.runs = [
      makeRun('orders', runId(30), 'failed'),
      makeRun('orders', runId(20), 'succeeded')
    ];
    server.executions = [
      makeExecution('orders', executionId(25), 'platform_error')
    ];
    await model.setFilter('failed');
    expect(server.calls).toContain(
      'jobs/orders/runs?limit=20&status=failed&status=timed_out'
    );
    expect(server.calls).toContain(
      'control/jobs/orders/executions?limit=20&status=user_error&status=platform_error'
    );
    expect(model.history.entries.map(e => e.id)).toEqual([
      runId(30),
      executionId(25)
    ]);
  });

  it('loads more from the side that holds the history back', async () => {
    const minutes = Array.from({ length: 25 }, (_, i) => 59 - i);
    server.runs = minutes.map(m =>
      makeRun('orders', runId(m), 'succeeded', {
        created_at: `2024-05-01T10:${m}:00Z`
      })
    );
    server.executions = [
      makeExecution('orders', executionId(10), 'succeeded', {
        created_at: '2024-05-01T10:10:00Z'
      })
    ];
    await model.refresh();
    // 20 runs are loaded; the execution at 10:10 waits for the older runs.
    expect(model.history.entries).toHaveLength(20);
    expect(model.history.next).toBe('runs');
    await model.loadMore();
    expect(server.calls).toContain(
      `jobs/orders/runs?limit=20&before=${runId(40)}`
    );
    const ids = model.history.entries.map(e => e.id);
    expect(ids).toHaveLength(26);
    expect(new Set(ids).size).toBe(26);
    expect(ids[25]).toBe(executionId(10));
    expect(model.history.next).toBeNull();

    // A poll reloads as many as the two pages held, and still knows the end.
    await model.refresh();
    expect(server.calls[server.calls.length - 2]).toBe(
      'jobs/orders/runs?limit=40'
    );
    expect(model.history.next).toBeNull();
    expect(model.history.entries).toHaveLength(26);
  });

  it('shows local runs only, saying why, when the job is not deployed', async () => {
    server.runs = [makeRun('orders', runId(30), 'succeeded')];
    server.executions = new DataOpsRequestError(
      404,
      "job 'orders' not found",
      'not_found'
    );
    await model.refresh();
    expect(model.error).toBeNull();
    expect(model.executionsNote).toMatch(/^Not deployed/);
    expect(model.history.entries.map(e => e.kind)).toEqual(['run']);
  });

  it('asks for the executions of a job not deployed once a minute, and at once on refresh', async () => {
    jest.useFakeTimers();
    try {
      server.executions = new DataOpsRequestError(
        404,
        "job 'orders' not found",
        'not_found'
      );
      const asked = () =>
        server.calls.filter(call => call.startsWith('control/jobs/orders'))
          .length;
      model.setVisible(true);
      await jest.advanceTimersByTimeAsync(0);
      expect(asked()).toBe(1);
      // The poll goes on (every 10 s while idle) without asking again.
      await jest.advanceTimersByTimeAsync(NOT_DEPLOYED_RECHECK - 1000);
      expect(server.calls.filter(c => c === 'jobs/orders').length).toBe(6);
      expect(asked()).toBe(1);
      expect(model.executionsNote).toMatch(/^Not deployed/);
      await jest.advanceTimersByTimeAsync(10000);
      expect(asked()).toBe(2);

      // Deployed meanwhile: a refresh shows its executions at once.
      server.executions = [makeExecution('orders', executionId(40), 'running')];
      await model.refresh();
      expect(asked()).toBe(3);
      expect(model.executionsNote).toBeNull();
      expect(model.history.entries.map(e => e.kind)).toEqual(['execution']);
    } finally {
      model.dispose();
      jest.useRealTimers();
    }
  });

  it('does not ask for the job when told it need not', async () => {
    server.runs = [makeRun('orders', runId(30), 'succeeded')];
    const history = new JobViewModel('orders', { loadsJob: false });
    await history.refresh();
    expect(history.job).toBeNull();
    expect(history.history.entries.map(e => e.id)).toEqual([runId(30)]);
    expect(server.calls.filter(call => call === 'jobs/orders')).toEqual([]);
    history.dispose();
  });

  it('keeps the server’s message when a load fails', async () => {
    server.executions = new DataOpsRequestError(
      400,
      "query parameter 'status' must be one of …",
      'invalid'
    );
    await model.refresh();
    expect(model.error).toBe("query parameter 'status' must be one of …");
  });
});
