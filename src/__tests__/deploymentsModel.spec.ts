import { DeploymentsModel } from '../deploymentsModel';
import { DataOpsRequestError, requestAPI } from '../request';
import { DataOpsService } from '../service';
import { ControlJob, Execution } from '../types';
import {
  makeControlJob,
  makeControlStatus,
  makeDeployment,
  makeExecution
} from './fixtures';

jest.mock('../request', () => ({
  ...jest.requireActual('../request'),
  requestAPI: jest.fn()
}));

const mockedRequest = requestAPI as jest.MockedFunction<typeof requestAPI>;

type Handler = (body: any) => unknown;

const last = <T>(items: T[]): T => items[items.length - 1];

const STATUS = makeControlStatus();

/**
 * A fake server extension relaying a control service: answers `requestAPI`
 * calls by "METHOD path" and records them.
 */
class FakeServer {
  configured = true;
  jobs: ControlJob[] = [];
  executions: Execution[] = [];
  nextRuns = ['2024-05-01T11:00:00Z', '2024-05-01T12:00:00Z'];
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
      if (this.failure && route !== 'GET config') {
        throw this.failure;
      }
      const handler = this.routes[route] ?? this._default(route);
      if (!handler) {
        throw new DataOpsRequestError(404, `no route ${route}`, 'not_found');
      }
      return handler(body) as any;
    });
  }

  /** Number of job list requests, i.e. of loads that reached the service. */
  get loads(): number {
    return this.calls.filter(call => call === 'GET control/jobs').length;
  }

  private _default(route: string): Handler | undefined {
    if (route === 'GET config') {
      return () => ({
        version: '0.1.0',
        root: '/srv',
        features: { runs: true, control_service: this.configured }
      });
    }
    if (route === 'GET control/status') {
      return () => STATUS;
    }
    if (route === 'GET control/jobs') {
      // The list has no next runs.
      return () => ({ jobs: this.jobs.map(j => ({ ...j, next_runs: [] })) });
    }
    let match = /^GET control\/jobs\/([^/?]+)$/.exec(route);
    if (match) {
      const job = this.jobs.find(j => j.name === match![1]);
      return () => {
        if (!job) {
          throw new DataOpsRequestError(404, 'no such job', 'not_found');
        }
        return { ...job, next_runs: this.nextRuns };
      };
    }
    match = /^GET control\/jobs\/([^/?]+)\/executions\?limit=(\d+)$/.exec(
      route
    );
    if (match) {
      const [, job, limit] = match;
      return () => ({
        executions: this.executions
          .filter(e => e.job === job)
          .slice(0, Number(limit)),
        next_cursor: null
      });
    }
    return undefined;
  }
}

describe('DeploymentsModel', () => {
  let server: FakeServer;
  let model: DeploymentsModel;

  beforeEach(() => {
    server = new FakeServer();
    server.install();
    server.jobs = [
      makeControlJob('orders', { enabled: false }),
      makeControlJob('products')
    ];
    model = new DeploymentsModel({ service: new DataOpsService() });
  });

  afterEach(() => {
    model.dispose();
    mockedRequest.mockReset();
    jest.restoreAllMocks();
    jest.useRealTimers();
  });

  describe('refresh()', () => {
    it('fills jobs, next runs of scheduled jobs and recent executions', async () => {
      server.executions = [
        makeExecution('products', 'p2', 'user_error', {
          created_at: '2024-05-01T11:00:00Z'
        }),
        makeExecution('products', 'p1', 'succeeded'),
        makeExecution('orders', 'o1', 'succeeded')
      ];
      let emitted = 0;
      model.changed.connect(() => emitted++);

      expect(model.hasLoaded).toBe(false);
      expect(model.configured).toBeNull();
      await model.refresh();

      expect(emitted).toBe(1);
      expect(model.hasLoaded).toBe(true);
      expect(model.configured).toBe(true);
      expect(model.error).toBeNull();
      expect(model.status).toEqual(STATUS);
      expect(model.jobs.map(job => job.name)).toEqual(['orders', 'products']);
      // Only the scheduled job is asked for its next runs.
      expect(model.job('orders')!.next_runs).toEqual([]);
      expect(model.job('products')!.next_runs).toEqual(server.nextRuns);
      expect(model.job('unknown')).toBeUndefined();
      expect(model.executions('products').map(e => e.id)).toEqual(['p2', 'p1']);
      expect(model.executions('orders').map(e => e.id)).toEqual(['o1']);
      expect(model.executions('unknown')).toEqual([]);
      expect(model.hasActiveExecutions).toBe(false);
      expect(server.calls.sort()).toEqual(
        [
          'GET config',
          'GET control/status',
          'GET control/jobs',
          'GET control/jobs/orders/executions?limit=5',
          'GET control/jobs/products',
          'GET control/jobs/products/executions?limit=5'
        ].sort()
      );
    });

    it('asks for the config and the status only once', async () => {
      await model.refresh();
      server.calls = [];
      await model.refresh();
      expect(server.calls).not.toContain('GET config');
      expect(server.calls).not.toContain('GET control/status');
      expect(server.loads).toBe(1);
    });

    it('asks nothing of a job that was never deployed', async () => {
      server.jobs = [makeControlJob('draft', { active_version: null })];
      await model.refresh();
      expect(model.jobs.map(job => job.name)).toEqual(['draft']);
      expect(server.calls.filter(call => call.includes('draft'))).toEqual([]);
    });

    it('keeps at most the configured number of executions per job', async () => {
      model.dispose();
      model = new DeploymentsModel({ executionsPerJob: 2 });
      server.executions = ['a', 'b', 'c'].map(id =>
        makeExecution('products', id, 'succeeded')
      );
      await model.refresh();
      expect(server.calls).toContain(
        'GET control/jobs/products/executions?limit=2'
      );
      expect(model.executions('products')).toHaveLength(2);
    });

    it('says so and asks nothing else when there is no control service', async () => {
      server.configured = false;
      await model.refresh();
      expect(model.configured).toBe(false);
      expect(model.hasLoaded).toBe(true);
      expect(model.error).toBeNull();
      expect(model.jobs).toEqual([]);
      expect(server.calls).toEqual(['GET config']);
    });

    it('reports a failing service in `error` and recovers', async () => {
      server.failure = new DataOpsRequestError(
        503,
        'The embedded control service did not start; see service.log.',
        'control-service-unavailable'
      );
      let emitted = 0;
      model.changed.connect(() => emitted++);

      await expect(model.refresh()).resolves.toBeUndefined();
      expect(model.error).toBe(
        'The embedded control service did not start; see service.log.'
      );
      expect(model.configured).toBe(true);
      expect(model.hasLoaded).toBe(true);
      expect(model.jobs).toEqual([]);
      expect(emitted).toBe(1);

      server.failure = null;
      server.calls = [];
      await model.refresh();
      expect(model.error).toBeNull();
      expect(model.jobs).toHaveLength(2);
      // The status is asked again after a failure.
      expect(server.calls).toContain('GET control/status');
      expect(model.status).toEqual(STATUS);
    });
  });

  describe('deploy()', () => {
    it('deploys, then shows the new active version at once', async () => {
      await model.refresh();
      server.routes['POST control/jobs/sales/deployments'] = () => {
        server.jobs.push(makeControlJob('sales', { active_version: 1 }));
        return makeDeployment('sales', 1);
      };
      const states: boolean[] = [];
      model.changed.connect(() => states.push(model.isDeploying('sales')));

      const deployment = await model.deploy('sales', 'first');

      expect(deployment.version).toBe(1);
      expect(
        server.bodies[
          server.calls.indexOf('POST control/jobs/sales/deployments')
        ]
      ).toEqual({
        reason: 'first'
      });
      expect(last(server.calls)).toBe('GET control/jobs/sales');
      expect(model.jobs.map(job => job.name)).toEqual([
        'orders',
        'products',
        'sales'
      ]);
      expect(model.job('sales')!.active_version).toBe(1);
      expect(model.job('sales')!.next_runs).toEqual(server.nextRuns);
      expect(model.executions('sales')).toEqual([]);
      expect(model.isDeploying('sales')).toBe(false);
      expect(states[0]).toBe(true);
      expect(last(states)).toBe(false);
    });

    it('rejects with the server message and stops deploying', async () => {
      await model.refresh();
      server.routes['POST control/jobs/orders/deployments'] = () => {
        throw new DataOpsRequestError(
          400,
          'The job tests failed: 1 failed',
          'invalid'
        );
      };
      await expect(model.deploy('orders')).rejects.toMatchObject({
        status: 400,
        message: 'The job tests failed: 1 failed'
      });
      expect(model.isDeploying('orders')).toBe(false);
      expect(model.job('orders')!.active_version).toBe(1);
    });
  });

  describe('setEnabled() and activate()', () => {
    it('patches the schedule state and keeps the answer', async () => {
      await model.refresh();
      server.routes['PATCH control/jobs/orders'] = body =>
        makeControlJob('orders', {
          enabled: body.enabled,
          next_runs: ['2024-05-01T11:00:00Z']
        });
      const job = await model.setEnabled('orders', true);
      expect(last(server.bodies)).toEqual({ enabled: true });
      expect(job.enabled).toBe(true);
      expect(model.job('orders')!.enabled).toBe(true);
      expect(model.job('orders')!.next_runs).toEqual(['2024-05-01T11:00:00Z']);
    });

    it('activates a version', async () => {
      await model.refresh();
      server.routes['PUT control/jobs/products/active-deployment'] = body =>
        makeControlJob('products', { active_version: body.version });
      await model.activate('products', 3);
      expect(last(server.bodies)).toEqual({ version: 3 });
      expect(model.job('products')!.active_version).toBe(3);
    });
  });

  describe('execute() and cancelExecution()', () => {
    it('adds the new execution first and polls fast', async () => {
      server.executions = [makeExecution('products', 'old', 'succeeded')];
      await model.refresh();
      server.routes['POST control/jobs/products/executions'] = () =>
        makeExecution('products', 'new', 'submitted', {
          created_at: '2024-05-02T08:00:00Z'
        });

      const execution = await model.execute('products', { day: 1 });

      expect(execution.id).toBe('new');
      expect(last(server.bodies)).toEqual({ arguments: { day: 1 } });
      expect(model.executions('products').map(e => e.id)).toEqual([
        'new',
        'old'
      ]);
      expect(model.hasActiveExecutions).toBe(true);
      expect(model.pollInterval).toBe(1000);
    });

    it('rejects with the conflict and leaves executions alone', async () => {
      await model.refresh();
      server.routes['POST control/jobs/products/executions'] = () => {
        throw new DataOpsRequestError(
          409,
          'An execution of products is in progress.',
          'conflict'
        );
      };
      await expect(model.execute('products')).rejects.toMatchObject({
        status: 409
      });
      expect(model.executions('products')).toEqual([]);
    });

    it('replaces a cancelled execution', async () => {
      server.executions = [makeExecution('products', 'e1', 'running')];
      await model.refresh();
      expect(model.hasActiveExecutions).toBe(true);
      server.routes['POST control/jobs/products/executions/e1/cancel'] = () =>
        makeExecution('products', 'e1', 'cancelled');

      await model.cancelExecution('products', 'e1');

      expect(model.executions('products').map(e => e.status)).toEqual([
        'cancelled'
      ]);
      expect(model.hasActiveExecutions).toBe(false);
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

    it('polls fast while an execution is active, slowly once it ended', async () => {
      server.executions = [makeExecution('products', 'e1', 'submitted')];
      model.setVisible(true);
      expect(model.isPolling).toBe(true);
      await advance(0);
      expect(server.loads).toBe(1);
      expect(model.pollInterval).toBe(1000);

      server.executions = [makeExecution('products', 'e1', 'running')];
      await advance(1000);
      expect(server.loads).toBe(2);
      expect(model.executions('products')[0].status).toBe('running');

      server.executions = [makeExecution('products', 'e1', 'succeeded')];
      await advance(1000);
      expect(server.loads).toBe(3);
      expect(model.executions('products')[0].status).toBe('succeeded');
      expect(model.pollInterval).toBe(10000);

      await advance(5000);
      expect(server.loads).toBe(3);
      await advance(5000);
      expect(server.loads).toBe(4);
    });

    it('switches to fast polling as soon as an execution starts', async () => {
      model.setVisible(true);
      await advance(0);
      expect(model.pollInterval).toBe(10000);
      server.routes['POST control/jobs/products/executions'] = () =>
        makeExecution('products', 'e1', 'submitted');

      await model.execute('products');
      expect(model.pollInterval).toBe(1000);

      server.executions = [makeExecution('products', 'e1', 'running')];
      await advance(1000);
      expect(server.loads).toBe(2);
      expect(model.executions('products')[0].status).toBe('running');
    });
  });
});
