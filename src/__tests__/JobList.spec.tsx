import * as React from 'react';
import { act } from 'react';

import { JobList, JobListProps } from '../components/JobList';
import { formatDuration } from '../components/RunList';
import { Job, Run, StepStatus } from '../types';
import { makeJob, makeRun, makeStep, makeStepError } from './fixtures';
import { mountReactRoot } from './reactRoot';

describe('JobList', () => {
  const view = mountReactRoot();

  function render(props: Partial<JobListProps>): void {
    const all: JobListProps = {
      jobs: [],
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

  const query = (selector: string) => view.container.querySelector(selector);
  const queryAll = (selector: string) =>
    Array.from(view.container.querySelectorAll(selector));

  it("opens a job's view from its name", () => {
    const onOpenJob = jest.fn();
    render({ jobs: [makeJob('orders')], onOpenJob });
    const name = query('.dataops-job[data-job="orders"] .dataops-job-name');
    expect(name!.tagName).toBe('BUTTON');
    act(() => (name as HTMLButtonElement).click());
    expect(onOpenJob).toHaveBeenCalledWith(
      expect.objectContaining({ name: 'orders' })
    );
  });

  it('shows each job with its description, steps and runs', () => {
    const runs: { [job: string]: Run[] } = {
      orders: [
        makeRun('orders', 'r3', 'running'),
        makeRun('orders', 'r2', 'failed', {
          error: makeStepError(
            'transform',
            'orders.ipynb',
            2,
            'KeyError',
            "'price'"
          )
        }),
        makeRun('orders', 'r1', 'timed_out', {
          message: 'Timed out after 60 s'
        })
      ]
    };
    render({
      jobs: [makeJob('orders'), makeJob('products', { description: '' })],
      runs: job => runs[job] ?? []
    });

    const jobs = queryAll('.dataops-job');
    expect(jobs.map(job => job.getAttribute('data-job'))).toEqual([
      'orders',
      'products'
    ]);
    const orders = jobs[0];
    expect(orders.querySelector('.dataops-job-name')!.textContent).toBe(
      'orders'
    );
    expect(orders.querySelector('.dataops-job-description')!.textContent).toBe(
      'Loads orders'
    );
    expect(orders.querySelector('.dataops-job-steps')!.textContent).toBe(
      '2 steps'
    );
    const badges = Array.from(
      orders.querySelectorAll('.dataops-run-badge')
    ).map(badge => [badge.getAttribute('data-status'), badge.textContent]);
    expect(badges).toEqual([
      ['running', 'running'],
      ['failed', 'failed'],
      ['timed_out', 'timed out']
    ]);
    expect(orders.querySelector('.dataops-run-failed-step')!.textContent).toBe(
      "Failed in step transform: KeyError: 'price'"
    );
    expect(orders.querySelector('.dataops-run-message')!.textContent).toBe(
      'Timed out after 60 s'
    );
    // Only the running run can be cancelled.
    const cancel = queryAll('.dataops-cancel-button');
    expect(cancel).toHaveLength(1);
    expect(cancel[0].closest('.dataops-run')!.getAttribute('data-run-id')).toBe(
      'r3'
    );

    const products = jobs[1];
    expect(products.querySelector('.dataops-job-description')).toBeNull();
    expect(products.querySelector('.dataops-run-list-empty')!.textContent).toBe(
      'No runs yet.'
    );
  });

  it('runs a job from its Run button and disables it while starting', async () => {
    let accept: () => void = () => undefined;
    const onRun = jest.fn(
      () => new Promise<void>(resolve => (accept = resolve))
    );
    render({ jobs: [makeJob('orders')], onRun });

    const button = query(
      'button[aria-label="Run orders"]'
    ) as HTMLButtonElement;
    expect(button.classList).toContain('dataops-run-button');
    act(() => button.click());
    expect(onRun).toHaveBeenCalledTimes(1);
    expect((onRun.mock.calls[0] as unknown as [Job])[0].name).toBe('orders');
    expect(button.disabled).toBe(true);

    await act(async () => accept());
    expect(button.disabled).toBe(false);
  });

  it('runs with arguments from the button beside Run, and shows them', async () => {
    const onRunWithArguments = jest.fn(() => Promise.resolve());
    const run = makeRun('orders', 'r1', 'succeeded', {
      arguments: { limit: 5, region: 'eu' }
    });
    render({
      jobs: [makeJob('orders')],
      runs: () => [run],
      onRunWithArguments
    });
    const button = query(
      'button[aria-label="Run orders with arguments"]'
    ) as HTMLButtonElement;
    await act(async () => button.click());
    expect(onRunWithArguments).toHaveBeenCalledWith(
      expect.objectContaining({ name: 'orders' })
    );
    expect(query('.dataops-run-arguments')!.textContent).toBe(
      'limit=5, region=eu'
    );
  });

  it('shows the step a run is in, and opens the log of a run', () => {
    const step = (name: string, status: StepStatus, index: number) =>
      makeStep(name, status, {
        notebook: 'orders.ipynb',
        cell_index: index,
        cell_id: `c${index}`
      });
    const running = makeRun('orders', 'r2', 'running', {
      steps: [
        step('extract', 'succeeded', 1),
        step('transform', 'running', 2),
        step('load', 'pending', 3)
      ]
    });
    const done = makeRun('orders', 'r1', 'succeeded');
    const onOpenLog = jest.fn();
    render({
      jobs: [makeJob('orders')],
      runs: () => [running, done],
      onOpenLog
    });
    const steps = queryAll('.dataops-run-step');
    expect(steps.map(node => node.textContent)).toEqual([
      'step 2 of 3: transform'
    ]);
    const logs = queryAll('.dataops-log-button') as HTMLButtonElement[];
    expect(logs.map(button => button.getAttribute('aria-label'))).toEqual([
      'Open log of run r2',
      'Open log of run r1'
    ]);
    act(() => logs[1].click());
    expect(onOpenLog).toHaveBeenCalledWith(done);
  });

  it('opens the output notebook of a run that started', () => {
    const onOpenOutput = jest.fn();
    const queued = makeRun('orders', 'r2', 'queued');
    const failed = makeRun('orders', 'r1', 'failed');
    render({
      jobs: [makeJob('orders')],
      runs: () => [queued, failed],
      onOpenOutput
    });
    const outputs = queryAll('.dataops-output-button') as HTMLButtonElement[];
    expect(outputs.map(button => button.getAttribute('aria-label'))).toEqual([
      'Open output of run r1'
    ]);
    act(() => outputs[0].click());
    expect(onOpenOutput).toHaveBeenCalledWith(failed);
  });

  it('runs again like an ended run, not like one still running', () => {
    const onRunAgain = jest.fn();
    const running = makeRun('orders', 'r2', 'running');
    const ended = makeRun('orders', 'r1', 'failed', {
      arguments: { limit: 5 }
    });
    render({
      jobs: [makeJob('orders')],
      runs: () => [running, ended],
      onRunAgain
    });
    const again = queryAll('.dataops-again-button') as HTMLButtonElement[];
    expect(again.map(button => button.getAttribute('aria-label'))).toEqual([
      'Run again like run r1'
    ]);
    act(() => again[0].click());
    expect(onRunAgain).toHaveBeenCalledWith(ended);
  });

  it('cancels a run from its Cancel button', () => {
    const onCancel = jest.fn();
    const run = makeRun('orders', 'r1', 'queued');
    render({ jobs: [makeJob('orders')], runs: () => [run], onCancel });
    act(() => (query('.dataops-cancel-button') as HTMLButtonElement).click());
    expect(onCancel).toHaveBeenCalledWith(run);
  });

  it('goes to the cell of a failed step from its link', () => {
    const error = makeStepError(
      'transform',
      'orders.ipynb',
      2,
      'KeyError',
      "'price'"
    );
    const onGoToCell = jest.fn();
    const failed = makeRun('orders', 'r1', 'failed', { error });
    render({ jobs: [makeJob('orders')], runs: () => [failed], onGoToCell });
    const link = query(
      'button[aria-label="Go to the cell of step transform"]'
    ) as HTMLButtonElement;
    expect(link.title).toBe('Open orders.ipynb at the failing cell');
    act(() => link.click());
    expect(onGoToCell).toHaveBeenCalledWith(
      expect.objectContaining({ name: 'orders' }),
      error
    );
  });

  it('says so when there are no jobs', () => {
    render({});
    expect(query('.dataops-empty')!.textContent).toContain(
      'No data jobs found'
    );
    expect(query('.dataops-error')).toBeNull();
  });

  it('says it is loading before the first answer', () => {
    render({ hasLoaded: false });
    expect(query('.dataops-loading')).not.toBeNull();
    expect(query('.dataops-empty')).toBeNull();
  });

  it('shows the API error instead of the empty message', () => {
    render({ error: 'Cannot reach the Jupyter server: offline' });
    const error = query('.dataops-error')!;
    expect(error.getAttribute('role')).toBe('alert');
    expect(error.textContent).toBe(
      'Could not load data jobs: Cannot reach the Jupyter server: offline'
    );
    expect(query('.dataops-empty')).toBeNull();
  });

  it('lists job folders that do not load with their message', () => {
    render({
      invalid: [{ path: 'broken', message: 'job.toml: name is missing' }]
    });
    const item = query('.dataops-invalid-job')!;
    expect(item.getAttribute('data-path')).toBe('broken');
    expect(
      item.querySelector('.dataops-invalid-job-message')!.textContent
    ).toBe('job.toml: name is missing');
  });
});

describe('formatDuration', () => {
  it('formats seconds for people', () => {
    expect(formatDuration(0.42)).toBe('0.4 s');
    expect(formatDuration(12.4)).toBe('12 s');
    expect(formatDuration(185)).toBe('3 min 5 s');
    expect(formatDuration(120)).toBe('2 min');
  });
});
