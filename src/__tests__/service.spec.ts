import { ServerConnection } from '@jupyterlab/services';

import { DataOpsRequestError, requestAPI } from '../request';
import { DataOpsService } from '../service';
import {
  jsonResponse,
  makeControlJob,
  makeControlStatus,
  makeDeployment,
  makeExecution,
  makeJob,
  makeRun
} from './fixtures';

const BASE_URL = 'http://localhost:8888/lab-base/';

interface ICall {
  url: string;
  method: string;
  body: unknown;
}

describe('DataOpsService', () => {
  const settings = ServerConnection.makeSettings({ baseUrl: BASE_URL });
  let service: DataOpsService;
  let calls: ICall[];
  let answer: () => Response | Promise<Response>;

  beforeEach(() => {
    calls = [];
    answer = () => jsonResponse({});
    jest
      .spyOn(ServerConnection, 'makeRequest')
      .mockImplementation(async (url, init) => {
        calls.push({
          url,
          method: init.method ?? 'GET',
          body: init.body ? JSON.parse(init.body as string) : undefined
        });
        return answer();
      });
    service = new DataOpsService({ serverSettings: settings });
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('gets the config', async () => {
    const config = {
      version: '0.1.0',
      root: '/srv/jobs',
      features: { runs: true, control_service: false }
    };
    answer = () => jsonResponse(config);
    await expect(service.getConfig()).resolves.toEqual(config);
    expect(calls).toEqual([
      { url: `${BASE_URL}dataops/config`, method: 'GET', body: undefined }
    ]);
  });

  it('lists jobs and invalid job folders', async () => {
    const list = {
      jobs: [makeJob('orders')],
      invalid: [{ path: 'broken', message: 'job.toml: missing name' }]
    };
    answer = () => jsonResponse(list);
    await expect(service.listJobs()).resolves.toEqual(list);
    expect(calls).toEqual([
      { url: `${BASE_URL}dataops/jobs`, method: 'GET', body: undefined }
    ]);
  });

  it('lists jobs with the newest runs of each in one request', async () => {
    const list = {
      jobs: [makeJob('orders')],
      invalid: [],
      runs: { orders: [makeRun('orders', 'r1', 'succeeded')] }
    };
    answer = () => jsonResponse(list);
    await expect(service.listJobsWithRuns(5)).resolves.toEqual(list);
    expect(calls).toEqual([
      { url: `${BASE_URL}dataops/jobs?runs=5`, method: 'GET', body: undefined }
    ]);
  });

  it('gets one job, escaping its name', async () => {
    answer = () => jsonResponse(makeJob('a b'));
    const job = await service.getJob('a b');
    expect(job.name).toBe('a b');
    expect(calls[0].url).toBe(`${BASE_URL}dataops/jobs/a%20b`);
    expect(calls[0].method).toBe('GET');
  });

  it('creates a job with a JSON body', async () => {
    answer = () => jsonResponse(makeJob('sales'), 201);
    const job = await service.createJob({ name: 'sales', team: 'bi' });
    expect(job.name).toBe('sales');
    expect(calls).toEqual([
      {
        url: `${BASE_URL}dataops/jobs`,
        method: 'POST',
        body: { name: 'sales', team: 'bi' }
      }
    ]);
  });

  it('starts a run with arguments', async () => {
    answer = () => jsonResponse(makeRun('orders', 'r1', 'queued'), 202);
    const run = await service.startRun('orders', { day: '2024-05-01' });
    expect(run).toMatchObject({ run_id: 'r1', status: 'queued' });
    expect(calls).toEqual([
      {
        url: `${BASE_URL}dataops/jobs/orders/runs`,
        method: 'POST',
        body: { arguments: { day: '2024-05-01' } }
      }
    ]);
  });

  it('starts a run without arguments with an empty body', async () => {
    answer = () => jsonResponse(makeRun('orders', 'r1', 'running'), 202);
    await service.startRun('orders');
    expect(calls[0].body).toEqual({});
  });

  it('lists runs, filtered by job and limited', async () => {
    const runs = [makeRun('orders', 'r2', 'running')];
    answer = () => jsonResponse({ runs });
    await expect(
      service.listRuns({ job: 'orders', limit: 5 })
    ).resolves.toEqual(runs);
    await service.listRuns();
    expect(calls.map(call => [call.method, call.url])).toEqual([
      ['GET', `${BASE_URL}dataops/runs?job=orders&limit=5`],
      ['GET', `${BASE_URL}dataops/runs`]
    ]);
  });

  it('gets a run', async () => {
    answer = () => jsonResponse(makeRun('orders', 'r/1', 'failed'));
    const run = await service.getRun('r/1');
    expect(run.status).toBe('failed');
    expect(calls[0]).toEqual({
      url: `${BASE_URL}dataops/runs/r%2F1`,
      method: 'GET',
      body: undefined
    });
  });

  it('gets a log slice from an offset', async () => {
    const chunk = { text: 'step ingest\n', offset: 12, complete: false };
    answer = () => jsonResponse(chunk);
    await expect(service.getLog('r1', 7)).resolves.toEqual(chunk);
    await service.getLog('r1');
    expect(calls.map(call => call.url)).toEqual([
      `${BASE_URL}dataops/runs/r1/log?offset=7`,
      `${BASE_URL}dataops/runs/r1/log?offset=0`
    ]);
  });

  it('cancels a run', async () => {
    answer = () => jsonResponse(makeRun('orders', 'r1', 'cancelled'), 202);
    const run = await service.cancelRun('r1');
    expect(run.status).toBe('cancelled');
    expect(calls[0]).toEqual({
      url: `${BASE_URL}dataops/runs/r1/cancel`,
      method: 'POST',
      body: {}
    });
  });

  it('maps an error answer to a DataOpsRequestError with the server message', async () => {
    answer = () =>
      jsonResponse(
        { error: 'not_found', message: 'No job named "nope" under the root.' },
        404
      );
    const error = await service.getJob('nope').catch(e => e);
    expect(error).toBeInstanceOf(DataOpsRequestError);
    expect(error.status).toBe(404);
    expect(error.kind).toBe('not_found');
    expect(error.message).toBe('No job named "nope" under the root.');
  });

  it('maps a conflict on create', async () => {
    answer = () =>
      jsonResponse({ error: 'conflict', message: 'Job sales exists.' }, 409);
    await expect(service.createJob({ name: 'sales' })).rejects.toMatchObject({
      status: 409,
      kind: 'conflict',
      message: 'Job sales exists.'
    });
  });

  it('keeps the status of an error answer that is not JSON', async () => {
    answer = () =>
      new Response('<html>Bad gateway</html>', {
        status: 502,
        statusText: 'Bad Gateway'
      });
    const error = await service.listJobs().catch(e => e);
    expect(error).toBeInstanceOf(DataOpsRequestError);
    expect(error.status).toBe(502);
    expect(error.message).toContain('502 Bad Gateway');
  });

  it('maps an unreachable server to status 0', async () => {
    answer = () => Promise.reject(new TypeError('Failed to fetch'));
    const error = await service.listRuns().catch(e => e);
    expect(error).toBeInstanceOf(DataOpsRequestError);
    expect(error.status).toBe(0);
    expect(error.kind).toBe('network');
    expect(error.message).toContain('Failed to fetch');
  });

  it('rejects a success answer that is not JSON', async () => {
    answer = () => new Response('not json', { status: 200 });
    await expect(requestAPI('config', {}, settings)).rejects.toBeInstanceOf(
      DataOpsRequestError
    );
  });

  describe('control service', () => {
    const CONTROL = `${BASE_URL}dataops/control`;

    it('gets the control service status', async () => {
      const status = makeControlStatus();
      answer = () => jsonResponse(status);
      await expect(service.getControlStatus()).resolves.toEqual(status);
      expect(calls).toEqual([
        { url: `${CONTROL}/status`, method: 'GET', body: undefined }
      ]);
    });

    it('lists the jobs on the service', async () => {
      const jobs = [makeControlJob('orders'), makeControlJob('products')];
      answer = () => jsonResponse({ jobs });
      await expect(service.listControlJobs()).resolves.toEqual(jobs);
      expect(calls).toEqual([
        { url: `${CONTROL}/jobs`, method: 'GET', body: undefined }
      ]);
    });

    it('gets one job with its next runs, escaping its name', async () => {
      const job = makeControlJob('a b', {
        next_runs: ['2024-05-01T11:00:00Z']
      });
      answer = () => jsonResponse(job);
      await expect(service.getControlJob('a b')).resolves.toEqual(job);
      expect(calls).toEqual([
        { url: `${CONTROL}/jobs/a%20b`, method: 'GET', body: undefined }
      ]);
    });

    it('turns a schedule on and off with PATCH', async () => {
      answer = () => jsonResponse(makeControlJob('orders', { enabled: false }));
      const job = await service.setJobEnabled('orders', false);
      expect(job.enabled).toBe(false);
      await service.updateControlJob('orders', { description: 'Orders' });
      expect(calls).toEqual([
        {
          url: `${CONTROL}/jobs/orders`,
          method: 'PATCH',
          body: { enabled: false }
        },
        {
          url: `${CONTROL}/jobs/orders`,
          method: 'PATCH',
          body: { description: 'Orders' }
        }
      ]);
    });

    it('deploys a job folder, with or without a reason', async () => {
      answer = () => jsonResponse(makeDeployment('orders', 3), 201);
      const deployment = await service.deployJob('orders', 'new column');
      expect(deployment).toMatchObject({ job: 'orders', version: 3 });
      await service.deployJob('orders');
      expect(calls).toEqual([
        {
          url: `${CONTROL}/jobs/orders/deployments`,
          method: 'POST',
          body: { reason: 'new column' }
        },
        {
          url: `${CONTROL}/jobs/orders/deployments`,
          method: 'POST',
          body: {}
        }
      ]);
    });

    it('lists deployments', async () => {
      const deployments = [
        makeDeployment('orders', 2),
        makeDeployment('orders', 1, { active: false })
      ];
      answer = () => jsonResponse({ deployments });
      await expect(service.listDeployments('orders')).resolves.toEqual(
        deployments
      );
      expect(calls).toEqual([
        {
          url: `${CONTROL}/jobs/orders/deployments`,
          method: 'GET',
          body: undefined
        }
      ]);
    });

    it('activates a version with PUT', async () => {
      answer = () =>
        jsonResponse(makeControlJob('orders', { active_version: 1 }));
      const job = await service.activateDeployment('orders', 1);
      expect(job.active_version).toBe(1);
      expect(calls).toEqual([
        {
          url: `${CONTROL}/jobs/orders/active-deployment`,
          method: 'PUT',
          body: { version: 1 }
        }
      ]);
    });

    it('reads and replaces the properties of a job', async () => {
      answer = () => jsonResponse({ threshold: 5 });
      await expect(service.getProperties('orders')).resolves.toEqual({
        threshold: 5
      });
      await service.setProperties('orders', { threshold: 6, owner: 'ana' });
      expect(calls).toEqual([
        {
          url: `${CONTROL}/jobs/orders/properties`,
          method: 'GET',
          body: undefined
        },
        {
          url: `${CONTROL}/jobs/orders/properties`,
          method: 'PUT',
          body: { threshold: 6, owner: 'ana' }
        }
      ]);
    });

    it('lists, sets and deletes secrets, escaping their names', async () => {
      answer = () => jsonResponse({ names: ['API_KEY'] });
      await expect(service.listSecrets('orders')).resolves.toEqual(['API_KEY']);
      answer = () => new Response(null, { status: 204 });
      await service.setSecret('orders', 'db/pass', 's3cr3t');
      await service.deleteSecret('orders', 'API_KEY');
      expect(calls).toEqual([
        {
          url: `${CONTROL}/jobs/orders/secrets`,
          method: 'GET',
          body: undefined
        },
        {
          url: `${CONTROL}/jobs/orders/secrets/db%2Fpass`,
          method: 'PUT',
          body: { value: 's3cr3t' }
        },
        {
          url: `${CONTROL}/jobs/orders/secrets/API_KEY`,
          method: 'DELETE',
          body: undefined
        }
      ]);
    });

    it('lists executions by page', async () => {
      const list = {
        executions: [makeExecution('orders', 'e2', 'running')],
        next_cursor: 'e2'
      };
      answer = () => jsonResponse(list);
      await expect(
        service.listExecutions('orders', { limit: 1 })
      ).resolves.toEqual(list);
      await service.listExecutions('orders', { limit: 1, before: 'e2' });
      await service.listExecutions('orders');
      expect(calls.map(call => [call.method, call.url])).toEqual([
        ['GET', `${CONTROL}/jobs/orders/executions?limit=1`],
        ['GET', `${CONTROL}/jobs/orders/executions?limit=1&before=e2`],
        ['GET', `${CONTROL}/jobs/orders/executions`]
      ]);
    });

    it('triggers an execution, with or without arguments', async () => {
      answer = () =>
        jsonResponse(makeExecution('orders', 'e1', 'submitted'), 202);
      const execution = await service.startExecution('orders', { day: 1 });
      expect(execution).toMatchObject({ id: 'e1', status: 'submitted' });
      await service.startExecution('orders');
      expect(calls).toEqual([
        {
          url: `${CONTROL}/jobs/orders/executions`,
          method: 'POST',
          body: { arguments: { day: 1 } }
        },
        {
          url: `${CONTROL}/jobs/orders/executions`,
          method: 'POST',
          body: {}
        }
      ]);
    });

    it('gets an execution', async () => {
      answer = () => jsonResponse(makeExecution('orders', 'e/1', 'succeeded'));
      const execution = await service.getExecution('orders', 'e/1');
      expect(execution.status).toBe('succeeded');
      expect(calls).toEqual([
        {
          url: `${CONTROL}/jobs/orders/executions/e%2F1`,
          method: 'GET',
          body: undefined
        }
      ]);
    });

    it('cancels an execution', async () => {
      answer = () =>
        jsonResponse(makeExecution('orders', 'e1', 'running'), 202);
      await service.cancelExecution('orders', 'e1');
      expect(calls).toEqual([
        {
          url: `${CONTROL}/jobs/orders/executions/e1/cancel`,
          method: 'POST',
          body: {}
        }
      ]);
    });

    it('gets an execution log from an offset', async () => {
      const chunk = {
        text: '[ingest-current] replace: 20 rows\n',
        offset: 34,
        complete: true
      };
      answer = () => jsonResponse(chunk);
      await expect(
        service.getExecutionLog('orders', 'e1', 12)
      ).resolves.toEqual(chunk);
      await service.getExecutionLog('orders', 'e1');
      expect(calls.map(call => [call.method, call.url])).toEqual([
        ['GET', `${CONTROL}/jobs/orders/executions/e1/logs?offset=12`],
        ['GET', `${CONTROL}/jobs/orders/executions/e1/logs?offset=0`]
      ]);
    });

    it('keeps the service status and message of a relayed error', async () => {
      answer = () =>
        jsonResponse(
          {
            error: 'conflict',
            message: 'An execution of orders is in progress.'
          },
          409
        );
      await expect(service.startExecution('orders')).rejects.toMatchObject({
        status: 409,
        kind: 'conflict',
        message: 'An execution of orders is in progress.'
      });
    });

    it('maps a deploy whose tests fail to a 400 with their output', async () => {
      answer = () =>
        jsonResponse(
          {
            error: 'invalid',
            message: 'The job tests failed:\nFAILED tests/test_orders.py'
          },
          400
        );
      const error = await service.deployJob('orders').catch(e => e);
      expect(error).toBeInstanceOf(DataOpsRequestError);
      expect(error.status).toBe(400);
      expect(error.message).toContain('FAILED tests/test_orders.py');
    });

    it('maps an unreachable control service to 503', async () => {
      answer = () =>
        jsonResponse(
          {
            error: 'unreachable',
            message:
              'The control service at http://127.0.0.1:8181 does not answer.'
          },
          503
        );
      await expect(service.listControlJobs()).rejects.toMatchObject({
        status: 503,
        kind: 'unreachable',
        message: 'The control service at http://127.0.0.1:8181 does not answer.'
      });
    });

    it('maps a refused token to 502', async () => {
      answer = () =>
        jsonResponse(
          {
            error: 'control-service-token',
            message: 'The control service refused the token.'
          },
          502
        );
      await expect(service.setJobEnabled('orders', true)).rejects.toMatchObject(
        { status: 502, kind: 'control-service-token' }
      );
    });
  });
});
