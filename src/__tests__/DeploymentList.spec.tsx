import * as React from 'react';
import { act } from 'react';

import {
  DeploymentList,
  DeploymentListProps
} from '../components/DeploymentList';
import { executionDuration, failingStep } from '../components/ExecutionList';
import { JobList, JobListProps } from '../components/JobList';
import { formatRelativeTime } from '../components/time';
import { ControlJob, Execution, Job } from '../types';
import {
  makeControlJob,
  makeControlStatus,
  makeExecution,
  makeJob,
  makeStep,
  makeStepError
} from './fixtures';
import { mountReactRoot } from './reactRoot';

const view = mountReactRoot();

const query = (selector: string) => view.container.querySelector(selector);
const queryAll = (selector: string) =>
  Array.from(view.container.querySelectorAll(selector));
const button = (label: string) =>
  query(`button[aria-label="${label}"]`) as HTMLButtonElement;

const STATUS = makeControlStatus();

describe('DeploymentList', () => {
  function render(props: Partial<DeploymentListProps>): void {
    const all: DeploymentListProps = {
      configured: true,
      status: STATUS,
      jobs: [],
      executions: () => [],
      hasLoaded: true,
      error: null,
      onExecute: jest.fn(() => Promise.resolve()),
      onSetEnabled: jest.fn(() => Promise.resolve()),
      onCancel: jest.fn(),
      onOpenLog: jest.fn(),
      ...props
    };
    act(() => view.root.render(<DeploymentList {...all} />));
  }

  it('shows each deployed job with version, schedule, next run and executions', () => {
    const inAnHour = new Date(Date.now() + 3600 * 1000 + 5000).toISOString();
    const executions: { [job: string]: Execution[] } = {
      products: [
        makeExecution('products', 'e4', 'running'),
        makeExecution('products', 'e3', 'user_error', {
          error: makeStepError(
            'all-products',
            'products.ipynb',
            6,
            'CatalogException',
            'no table'
          )
        }),
        makeExecution('products', 'e2', 'platform_error', {
          trigger: 'retry',
          attempt: 2,
          message: 'The kernel died.'
        }),
        makeExecution('products', 'e1', 'skipped', { trigger: 'schedule' })
      ]
    };
    render({
      jobs: [
        makeControlJob('orders', { enabled: false, active_version: 3 }),
        makeControlJob('products', { next_runs: [inAnHour] }),
        makeControlJob('sales', { schedule: null, enabled: false })
      ],
      executions: job => executions[job] ?? []
    });

    expect(query('.dataops-control-status')!.textContent).toBe(
      'Embedded control service · team analytics'
    );
    const items = queryAll('.dataops-deployment');
    expect(items.map(item => item.getAttribute('data-job'))).toEqual([
      'orders',
      'products',
      'sales'
    ]);
    const [orders, products, sales] = items;
    expect(
      orders.querySelector('.dataops-deployment-version')!.textContent
    ).toBe('v3');
    expect(
      orders.querySelector('.dataops-deployment-schedule-text')!.textContent
    ).toBe('0 * * * * (UTC) · paused');
    expect(
      orders.querySelector('[role="switch"]')!.getAttribute('aria-checked')
    ).toBe('false');
    expect(
      orders.querySelector('.dataops-execution-list-empty')!.textContent
    ).toBe('No executions yet.');

    expect(
      products.querySelector('.dataops-deployment-schedule-text')!.textContent
    ).toBe('0 * * * * (UTC) · next run in 1 hour');
    const toggle = products.querySelector('[role="switch"]')!;
    expect(toggle.getAttribute('aria-checked')).toBe('true');
    expect(toggle.getAttribute('aria-label')).toBe('Schedule of products');

    const badges = Array.from(
      products.querySelectorAll('.dataops-execution-badge')
    ).map(badge => [badge.getAttribute('data-status'), badge.textContent]);
    expect(badges).toEqual([
      ['running', 'running'],
      ['user_error', 'user error'],
      ['platform_error', 'platform error'],
      ['skipped', 'skipped']
    ]);
    expect(
      products.querySelector('.dataops-execution-failed-step')!.textContent
    ).toBe('Failed in step all-products: CatalogException: no table');
    expect(
      products.querySelector('.dataops-execution-message')!.textContent
    ).toBe('The kernel died.');
    const triggers = Array.from(
      products.querySelectorAll('.dataops-execution-trigger')
    ).map(node => node.textContent);
    expect(triggers).toEqual(['retry 2', 'scheduled']);
    // Only the running execution can be cancelled; every one has a log.
    const cancel = Array.from(
      products.querySelectorAll('.dataops-cancel-button')
    );
    expect(cancel).toHaveLength(1);
    expect(cancel[0].getAttribute('aria-label')).toBe('Cancel execution e4');
    expect(products.querySelectorAll('.dataops-log-button')).toHaveLength(4);

    expect(
      sales.querySelector('.dataops-deployment-schedule-text')!.textContent
    ).toBe('No schedule');
    expect(
      (sales.querySelector('[role="switch"]') as HTMLButtonElement).disabled
    ).toBe(true);
  });

  it('executes a job and disables Execute while it starts', async () => {
    let accept: () => void = () => undefined;
    const onExecute = jest.fn(
      () => new Promise<void>(resolve => (accept = resolve))
    );
    render({ jobs: [makeControlJob('products')], onExecute });

    const execute = button('Execute products');
    expect(execute.classList).toContain('dataops-execute-button');
    act(() => execute.click());
    expect(onExecute).toHaveBeenCalledTimes(1);
    expect((onExecute.mock.calls[0] as unknown as [ControlJob])[0].name).toBe(
      'products'
    );
    expect(execute.disabled).toBe(true);
    await act(async () => accept());
    expect(execute.disabled).toBe(false);
  });

  it('cannot execute a job that was never deployed', () => {
    render({ jobs: [makeControlJob('draft', { active_version: null })] });
    expect(query('.dataops-deployment-version')!.textContent).toBe(
      'not deployed'
    );
    expect(button('Execute draft').disabled).toBe(true);
  });

  it('turns a schedule off and on from its switch', async () => {
    const onSetEnabled = jest.fn(() => Promise.resolve());
    render({
      jobs: [
        makeControlJob('products'),
        makeControlJob('orders', { enabled: false })
      ],
      onSetEnabled
    });
    await act(async () => button('Schedule of products').click());
    await act(async () => button('Schedule of orders').click());
    expect(
      onSetEnabled.mock.calls.map((call: any[]) => [call[0].name, call[1]])
    ).toEqual([
      ['products', false],
      ['orders', true]
    ]);
  });

  it('opens the output of an ended execution and deletes a job', () => {
    const onOpenOutput = jest.fn();
    const onDelete = jest.fn();
    const ended = makeExecution('products', 'e2', 'succeeded');
    const waiting = makeExecution('orders', 'e1', 'submitted');
    const products = makeControlJob('products');
    const phantom = makeControlJob('orders', { active_version: null });
    render({
      jobs: [phantom, products],
      executions: job => (job === 'products' ? [ended] : [waiting]),
      onOpenOutput,
      onDelete
    });
    act(() => button('Open output of execution e2').click());
    expect(onOpenOutput).toHaveBeenCalledWith(ended);
    // A submitted execution has no output yet.
    expect(button('Open output of execution e1')).toBeNull();
    act(() => button('Delete products from the control service').click());
    expect(onDelete).toHaveBeenCalledWith(products);
    // A job that was never deployed can be deleted too, unless it is busy.
    expect(button('Delete orders from the control service').disabled).toBe(
      true
    );
  });

  it('cancels an execution and opens its log', () => {
    const onCancel = jest.fn();
    const onOpenLog = jest.fn();
    const execution = makeExecution('products', 'e1', 'submitted');
    render({
      jobs: [makeControlJob('products')],
      executions: () => [execution],
      onCancel,
      onOpenLog
    });
    act(() => button('Cancel execution e1').click());
    act(() => button('Open log of execution e1').click());
    expect(onCancel).toHaveBeenCalledWith(execution);
    expect(onOpenLog).toHaveBeenCalledWith(execution);
  });

  it('goes to the cell of a failed step, and has no link without a cell', () => {
    const error = makeStepError(
      'all-products',
      'products.ipynb',
      6,
      'CatalogException',
      'no table'
    );
    const failed = makeExecution('products', 'e2', 'user_error', { error });
    const crashed = makeExecution('products', 'e1', 'user_error', {
      steps: [makeStep('load', 'failed')]
    });
    const onGoToCell = jest.fn();
    render({
      jobs: [makeControlJob('products')],
      executions: () => [failed, crashed],
      onGoToCell
    });
    const links = queryAll('.dataops-go-to-cell');
    expect(links).toHaveLength(1);
    expect(links[0].getAttribute('aria-label')).toBe(
      'Go to the cell of step all-products'
    );
    act(() => (links[0] as HTMLButtonElement).click());
    expect(onGoToCell).toHaveBeenCalledWith(
      expect.objectContaining({ name: 'products' }),
      error
    );
  });

  it('executes with arguments from the button beside Execute, and shows them', async () => {
    const onExecuteWithArguments = jest.fn(() => Promise.resolve());
    render({
      jobs: [
        makeControlJob('orders', { active_version: 2 }),
        makeControlJob('sales', { active_version: null })
      ],
      executions: job =>
        job === 'orders'
          ? [
              makeExecution('orders', 'e1', 'succeeded', {
                arguments: { day: '2024-05-01' }
              })
            ]
          : [],
      onExecuteWithArguments
    });
    const button = query(
      'button[aria-label="Execute orders with arguments"]'
    ) as HTMLButtonElement;
    await act(async () => button.click());
    expect(onExecuteWithArguments).toHaveBeenCalledWith(
      expect.objectContaining({ name: 'orders' })
    );
    expect(query('.dataops-execution-arguments')!.textContent).toBe(
      'day=2024-05-01'
    );
    // Nothing to execute before the first deploy.
    expect(
      query('button[aria-label="Execute sales with arguments"]')
    ).toBeNull();
  });

  it('executes again like an ended execution', () => {
    const onExecuteAgain = jest.fn();
    const running = makeExecution('orders', 'e2', 'running');
    const ended = makeExecution('orders', 'e1', 'succeeded', {
      arguments: { day: '2024-05-01' }
    });
    render({
      jobs: [makeControlJob('orders')],
      executions: () => [running, ended],
      onExecuteAgain
    });
    const again = queryAll('.dataops-again-button') as HTMLButtonElement[];
    expect(again.map(button => button.getAttribute('aria-label'))).toEqual([
      'Execute again like execution e1'
    ]);
    act(() => again[0].click());
    expect(onExecuteAgain).toHaveBeenCalledWith(ended);
  });

  it('opens the versions of a deployed job from its version', () => {
    const onPickVersion = jest.fn();
    render({
      jobs: [
        makeControlJob('orders', { active_version: 3 }),
        makeControlJob('sales', { active_version: null })
      ],
      onPickVersion
    });
    const button = query(
      'button[aria-label="Versions of orders"]'
    ) as HTMLButtonElement;
    expect(button.textContent).toBe('v3');
    act(() => button.click());
    expect(onPickVersion).toHaveBeenCalledWith(
      expect.objectContaining({ name: 'orders' })
    );
    expect(query('button[aria-label="Versions of sales"]')).toBeNull();
  });

  it('says when the control service is not configured', () => {
    render({ configured: false, status: null });
    expect(query('.dataops-control-not-configured')!.textContent).toContain(
      'The control service is not configured'
    );
    expect(query('.dataops-deployments')).toBeNull();
    expect(query('.dataops-error')).toBeNull();
  });

  it('shows the server message when deployments cannot load', () => {
    render({
      status: { ...STATUS, running: false, message: 'service.log says why' },
      error: 'The embedded control service did not start.'
    });
    const error = query('.dataops-error')!;
    expect(error.getAttribute('role')).toBe('alert');
    expect(error.textContent).toBe(
      'Could not load deployments: The embedded control service did not start.'
    );
    expect(query('.dataops-control-status')!.getAttribute('data-running')).toBe(
      'false'
    );
    expect(query('.dataops-control-status-message')!.textContent).toBe(
      'service.log says why'
    );
    expect(query('.dataops-empty')).toBeNull();
  });

  it('says it is loading, then that nothing is deployed', () => {
    render({ hasLoaded: false, status: null });
    expect(query('.dataops-loading')!.textContent).toBe('Loading deployments…');
    render({ hasLoaded: true });
    expect(query('.dataops-empty')!.textContent).toContain(
      'No deployed jobs yet'
    );
  });

  it('names a remote control service by its URL', () => {
    render({
      status: { ...STATUS, embedded: false, url: 'https://dataops.example' }
    });
    expect(query('.dataops-control-status')!.textContent).toBe(
      'Control service https://dataops.example · team analytics'
    );
  });
});

describe('JobList with deploy', () => {
  function render(props: Partial<JobListProps>): void {
    const all: JobListProps = {
      jobs: [makeJob('orders'), makeJob('products')],
      invalid: [],
      runs: () => [],
      hasLoaded: true,
      error: null,
      onRun: jest.fn(() => Promise.resolve()),
      onCancel: jest.fn(),
      ...props
    };
    act(() => view.root.render(<JobList {...all} />));
  }

  it('has no Deploy button without a control service', () => {
    render({});
    expect(queryAll('.dataops-deploy-button')).toHaveLength(0);
    expect(queryAll('.dataops-job-deployment')).toHaveLength(0);
  });

  it('shows each job deployed version and schedule state', () => {
    const deployed: { [job: string]: ControlJob } = {
      products: makeControlJob('products', { active_version: 2 })
    };
    render({
      deploy: {
        deployed: job => deployed[job],
        isDeploying: () => false,
        onDeploy: jest.fn(() => Promise.resolve())
      }
    });
    const [orders, products] = queryAll('.dataops-job');
    expect(orders.querySelector('.dataops-job-deployment')!.textContent).toBe(
      'Not deployed'
    );
    const state = products.querySelector('.dataops-job-deployment')!;
    expect(state.getAttribute('data-state')).toBe('deployed');
    expect(state.textContent).toBe('Deployed v2 · schedule on');
    expect(
      products.querySelector('.dataops-job-deployed-version')!.textContent
    ).toBe('v2');
    expect(button('Deploy products').textContent).toBe('Deploy');
  });

  it('deploys a job from its Deploy button and shows the deploy in progress', () => {
    const onDeploy = jest.fn(() => Promise.resolve());
    const deploying = new Set<string>();
    const props = (): Partial<JobListProps> => ({
      deploy: {
        deployed: () => undefined,
        isDeploying: job => deploying.has(job),
        onDeploy
      }
    });
    render(props());
    const deploy = button('Deploy orders');
    expect(deploy.classList).toContain('dataops-deploy-button');
    act(() => deploy.click());
    expect((onDeploy.mock.calls[0] as unknown as [Job])[0].name).toBe('orders');

    deploying.add('orders');
    render(props());
    expect(button('Deploy orders').disabled).toBe(true);
    expect(button('Deploy orders').textContent).toBe('Deploying…');
    expect(
      query('.dataops-job[data-job="orders"] .dataops-job-deployment')!
        .textContent
    ).toBe('Deploying to the control service…');
    expect(button('Deploy products').disabled).toBe(false);
  });
});

describe('helpers', () => {
  it('formats times relative to now, past and future', () => {
    const now = Date.parse('2024-05-01T10:00:00Z');
    expect(formatRelativeTime('2024-05-01T10:23:10Z', now)).toBe(
      'in 23 minutes'
    );
    expect(formatRelativeTime('2024-05-01T11:00:00Z', now)).toBe('in 1 hour');
    expect(formatRelativeTime('2024-05-01T09:58:00Z', now)).toBe(
      '2 minutes ago'
    );
    expect(formatRelativeTime('2024-05-01T10:00:00.300Z', now)).toBe('now');
    expect(formatRelativeTime('2024-05-02T10:00:00Z', now)).toBe('tomorrow');
  });

  it('finds the failing step of a failed execution', () => {
    expect(failingStep(makeExecution('a', 'e', 'succeeded'))).toBeNull();
    expect(
      failingStep(
        makeExecution('a', 'e', 'user_error', {
          steps: [
            makeStep('ingest', 'succeeded', { duration: 1 }),
            makeStep('transform', 'failed', { duration: 1 })
          ]
        })
      )
    ).toBe('transform');
  });

  it('measures an ended execution', () => {
    expect(executionDuration(makeExecution('a', 'e', 'succeeded'))).toBe(4);
    expect(executionDuration(makeExecution('a', 'e', 'running'))).toBeNull();
  });
});
