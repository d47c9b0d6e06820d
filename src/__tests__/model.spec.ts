import { DataJobsModel } from '../model';
import { DataOpsRequestError, requestAPI } from '../request';
import { DataOpsService } from '../service';
import { Job, Run } from '../types';
import { makeJob, makeRun } from './fixtures';

jest.mock('../request', () => ({
  ...jest.requireActual('../request'),
  requestAPI: jest.fn()
}));

const mockedRequest = requestAPI as jest.MockedFunction<typeof requestAPI>;

type Handler = (body: any) => unknown;

const last = <T>(items: T[]): T => items[items.length - 1];

/**
 * A fake server extension: answers `requestAPI` calls by "METHOD path" and
 * records them.
 */
class FakeServer {
  jobs: Job[] = [];
  invalid = [{ path: 'broken', message: 'job.toml: name is missing' }];
  runs: Run[] = [];
  failure: DataOpsRequestError | null = null;
  calls: string[] = [];
  bodies: unknown[] = [];
  routes: { [route: string]: Handler } = {};

  install(): void {
    mockedRequest.mockImplementation(async (path = '', init = {}) => {
      const route = `${init.method ?? 'GET'} ${path}`;
      this.calls.push(route);
      const body = init.body ? JSON.parse(init.body as string) : undefined;
      this.bodies.push(body);
      if (this.failure) {
        throw this.failure;
      }
      const handler = this.routes[route] ?? this._default(route);
      if (!handler) {
        throw new DataOpsRequestError(404, `no route ${route}`, 'not_found');
      }
      return handler(body) as any;
    });
  }

  /** Number of job list requests, i.e. of loads. */
  get loads(): number {
    return this.calls.filter(call => call.startsWith('GET jobs?runs=')).length;
  }

  private _default(route: string): Handler | undefined {
    const match = /^GET jobs\?runs=(\d+)$/.exec(route);
    if (match) {
      const limit = Number(match[1]);
      return () => {
        const runs: { [job: string]: Run[] } = {};
        for (const job of this.jobs) {
          runs[job.name] = this.runs
            .filter(run => run.job === job.name)
            .slice(0, limit);
        }
        return { jobs: this.jobs, invalid: this.invalid, runs };
      };
    }
    return undefined;
  }
}

describe('DataJobsModel', () => {
  let server: FakeServer;
  let model: DataJobsModel;

  beforeEach(() => {
    server = new FakeServer();
    server.install();
    server.jobs = [makeJob('orders'), makeJob('products')];
    model = new DataJobsModel({ service: new DataOpsService() });
  });

  afterEach(() => {
    model.dispose();
    mockedRequest.mockReset();
    jest.restoreAllMocks();
    jest.useRealTimers();
  });

  describe('refresh()', () => {
    it('fills jobs, invalid jobs and recent runs per job, and emits changed', async () => {
      server.runs = [
        makeRun('orders', 'o2', 'failed', {
          created_at: '2024-05-01T11:00:00Z'
        }),
        makeRun('orders', 'o1', 'succeeded'),
        makeRun('products', 'p1', 'succeeded')
      ];
      let emitted = 0;
      model.changed.connect(() => emitted++);

      expect(model.hasLoaded).toBe(false);
      await model.refresh();

      expect(emitted).toBe(1);
      expect(model.hasLoaded).toBe(true);
      expect(model.error).toBeNull();
      expect(model.jobs.map(job => job.name)).toEqual(['orders', 'products']);
      expect(model.invalid).toEqual(server.invalid);
      expect(model.runs('orders').map(run => run.run_id)).toEqual(['o2', 'o1']);
      expect(model.runs('products').map(run => run.run_id)).toEqual(['p1']);
      expect(model.runs('unknown')).toEqual([]);
      // One request per load, however many jobs there are.
      expect(server.calls).toEqual(['GET jobs?runs=5']);
    });

    it('keeps at most the configured number of runs per job', async () => {
      model.dispose();
      model = new DataJobsModel({ runsPerJob: 2 });
      server.runs = ['a', 'b', 'c'].map(id =>
        makeRun('orders', id, 'succeeded')
      );
      await model.refresh();
      expect(server.calls).toEqual(['GET jobs?runs=2']);
      expect(model.runs('orders')).toHaveLength(2);
    });

    it('reports a failing server in `error` and recovers', async () => {
      server.failure = new DataOpsRequestError(
        500,
        'The jobs folder cannot be read.',
        'internal'
      );
      let emitted = 0;
      model.changed.connect(() => emitted++);

      await expect(model.refresh()).resolves.toBeUndefined();
      expect(model.error).toBe('The jobs folder cannot be read.');
      expect(model.hasLoaded).toBe(true);
      expect(model.jobs).toEqual([]);
      expect(emitted).toBe(1);

      server.failure = null;
      await model.refresh();
      expect(model.error).toBeNull();
      expect(model.jobs).toHaveLength(2);
      expect(emitted).toBe(2);
    });
  });

  describe('runJob()', () => {
    it('posts the run and adds it first to the job runs', async () => {
      server.runs = [makeRun('orders', 'old', 'succeeded')];
      await model.refresh();
      const started = makeRun('orders', 'new', 'queued', {
        created_at: '2024-05-02T08:00:00Z',
        arguments: { day: 'today' }
      });
      server.routes['POST jobs/orders/runs'] = () => started;
      let emitted = 0;
      model.changed.connect(() => emitted++);

      const run = await model.runJob('orders', { day: 'today' });

      expect(run).toEqual(started);
      expect(last(server.calls)).toBe('POST jobs/orders/runs');
      expect(last(server.bodies)).toEqual({ arguments: { day: 'today' } });
      expect(model.runs('orders').map(r => r.run_id)).toEqual(['new', 'old']);
      expect(model.hasActiveRuns).toBe(true);
      expect(emitted).toBe(1);
    });

    it('orders runs by time whatever the precision of their timestamps', async () => {
      server.runs = [
        makeRun('orders', 'b', 'succeeded', {
          created_at: '2024-05-01T10:00:00Z'
        })
      ];
      await model.refresh();
      server.routes['POST jobs/orders/runs'] = () =>
        makeRun('orders', 'c', 'queued', {
          created_at: '2024-05-01T10:00:00.500000Z'
        });
      await model.runJob('orders');
      expect(model.runs('orders').map(r => r.run_id)).toEqual(['c', 'b']);
    });

    it('rejects with the server error and leaves the runs alone', async () => {
      await model.refresh();
      server.routes['POST jobs/orders/runs'] = () => {
        throw new DataOpsRequestError(400, 'Unknown argument "x".', 'invalid');
      };
      await expect(model.runJob('orders', { x: 1 })).rejects.toMatchObject({
        status: 400,
        message: 'Unknown argument "x".'
      });
      expect(model.runs('orders')).toEqual([]);
    });
  });

  describe('cancelRun()', () => {
    it('posts the cancel and replaces the run', async () => {
      server.runs = [makeRun('orders', 'r1', 'running')];
      await model.refresh();
      expect(model.hasActiveRuns).toBe(true);
      server.routes['POST runs/r1/cancel'] = () =>
        makeRun('orders', 'r1', 'cancelled', { message: 'Cancelled by user' });

      await model.cancelRun('r1');

      expect(last(server.calls)).toBe('POST runs/r1/cancel');
      expect(model.runs('orders')).toHaveLength(1);
      expect(model.runs('orders')[0].status).toBe('cancelled');
      expect(model.hasActiveRuns).toBe(false);
    });
  });

  describe('polling', () => {
    beforeEach(() => {
      jest.useFakeTimers();
    });

    const advance = (ms: number) => jest.advanceTimersByTimeAsync(ms);

    it('does not poll while hidden', async () => {
      expect(model.isPolling).toBe(false);
      await advance(60000);
      expect(server.calls).toEqual([]);
    });

    it('loads when shown, then polls slowly without active runs', async () => {
      server.runs = [makeRun('orders', 'r1', 'succeeded')];
      model.setVisible(true);
      expect(model.isPolling).toBe(true);
      await advance(0);
      expect(server.loads).toBe(1);
      expect(model.pollInterval).toBe(10000);

      await advance(9000);
      expect(server.loads).toBe(1);
      await advance(1000);
      expect(server.loads).toBe(2);
    });

    it('polls fast while a run is active and slowly once it ended', async () => {
      server.runs = [makeRun('orders', 'r1', 'running')];
      model.setVisible(true);
      await advance(0);
      expect(server.loads).toBe(1);
      expect(model.pollInterval).toBe(1000);

      await advance(1000);
      expect(server.loads).toBe(2);
      expect(model.runs('orders')[0].status).toBe('running');

      server.runs = [makeRun('orders', 'r1', 'succeeded')];
      await advance(1000);
      expect(server.loads).toBe(3);
      expect(model.runs('orders')[0].status).toBe('succeeded');
      expect(model.pollInterval).toBe(10000);

      await advance(5000);
      expect(server.loads).toBe(3);
      await advance(5000);
      expect(server.loads).toBe(4);
    });

    it('switches to fast polling as soon as a run is started', async () => {
      model.setVisible(true);
      await advance(0);
      expect(model.pollInterval).toBe(10000);
      server.routes['POST jobs/products/runs'] = () =>
        makeRun('products', 'p1', 'queued');

      await model.runJob('products');
      expect(model.pollInterval).toBe(1000);

      server.runs = [makeRun('products', 'p1', 'running')];
      await advance(1000);
      expect(server.loads).toBe(2);
      expect(model.runs('products')[0].status).toBe('running');
    });
  });
});
