import { Toolbar } from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import { MessageLoop } from '@lumino/messaging';
import { Signal } from '@lumino/signaling';
import { act } from 'react';
import { Widget } from '@lumino/widgets';

import { CommandIDs } from '../commandIds';
import { executionEntry, runEntry } from '../jobHistory';
import { JobToolbar, lastEntryText } from '../notebook/jobToolbar';
import { IDataJobsModel } from '../tokens';
import { Run } from '../types';
import { makeExecution, makeJob, makeRun } from './fixtures';

describe('lastEntryText', () => {
  const now = Date.parse('2024-05-01T10:02:05Z');

  it('says how and when the last run ended', () => {
    const failed = makeRun('orders', 'r1', 'failed');
    expect(lastEntryText(runEntry(failed), undefined, now)).toBe(
      'last run: failed 2 min. ago'
    );
    const timedOut = makeRun('orders', 'r1', 'timed_out');
    expect(lastEntryText(runEntry(timedOut), undefined, now)).toBe(
      'last run: timed out 2 min. ago'
    );
  });

  it('says a run is going on, or that there was none', () => {
    expect(lastEntryText(runEntry(makeRun('orders', 'r2', 'running')))).toBe(
      'last run: running'
    );
    expect(lastEntryText(runEntry(makeRun('orders', 'r2', 'queued')))).toBe(
      'last run: queued'
    );
    expect(lastEntryText(null)).toBe('no runs yet');
  });

  it('names an execution when it is the newest', () => {
    const execution = makeExecution('orders', 'e1', 'user_error', {
      started_at: '2024-05-01T10:00:01Z',
      finished_at: '2024-05-01T10:00:05Z'
    });
    expect(lastEntryText(executionEntry(execution), undefined, now)).toBe(
      'last execution: user error 2 min. ago'
    );
    const running = makeExecution('orders', 'e2', 'running');
    expect(lastEntryText(executionEntry(running))).toBe(
      'last execution: running'
    );
  });
});

describe('JobToolbar', () => {
  let runs: Run[];
  let model: any;
  let host: any;
  let commands: CommandRegistry;
  let executed: [string, unknown][];

  beforeEach(() => {
    runs = [];
    model = {
      jobs: [makeJob('orders', { path: 'jobs/orders' })],
      hasLoaded: true,
      isPolling: true,
      runs: (name: string) => (name === 'orders' ? runs : []),
      refresh: jest.fn(() => Promise.resolve())
    };
    model.changed = new Signal(model);
    const toolbar = new Toolbar<Widget>();
    toolbar.addItem('cellType', new Widget());
    host = {
      toolbar,
      isVisible: true,
      context: { path: 'jobs/orders/orders.ipynb' }
    };
    host.context.pathChanged = new Signal(host.context);
    commands = new CommandRegistry();
    executed = [];
    for (const id of [
      CommandIDs.runJob,
      CommandIDs.deployJob,
      CommandIDs.convertToJob,
      CommandIDs.openRunLog
    ]) {
      commands.addCommand(id, {
        execute: args => void executed.push([id, args])
      });
    }
  });

  const make = (deployments?: any) =>
    new JobToolbar({
      host,
      commands,
      model: model as IDataJobsModel,
      deployments
    });

  /** Show the toolbar, its React buttons drawn. */
  const render = () =>
    act(() => {
      Widget.attach(host.toolbar, document.body);
      for (const child of host.toolbar.children() as Iterable<Widget>) {
        MessageLoop.sendMessage(child, Widget.Msg.UpdateRequest);
      }
    });

  afterEach(() => {
    if (host.toolbar.isAttached) {
      act(() => Widget.detach(host.toolbar));
    }
  });

  /** Press a toolbar button (Enter: what a click does, without moving the focus). */
  const press = (className: string) =>
    act(() =>
      host.toolbar.node
        .querySelector(`.${className}`)!
        .dispatchEvent(
          new KeyboardEvent('keydown', { key: 'Enter', bubbles: true })
        )
    );

  const shown = (): string[] =>
    Array.from(host.toolbar.names() as Iterable<string>).filter(name => {
      const widget = Array.from(host.toolbar.children() as Iterable<Widget>)[
        Array.from(host.toolbar.names() as Iterable<string>).indexOf(name)
      ];
      return name.startsWith('dataops-') && !widget.isHidden;
    });

  const status = () =>
    host.toolbar.node.querySelector('.dataops-job-status') as HTMLElement;

  it('offers run, arguments and the last status in a job notebook', () => {
    const items = make();
    expect(items.job?.name).toBe('orders');
    expect(shown()).toEqual([
      'dataops-job-status',
      'dataops-run-job',
      'dataops-run-job-arguments'
    ]);
    expect(status().textContent).toBe('no runs yet');
    expect(status().dataset.status).toBe('none');
    items.dispose();
  });

  it('offers deploy when there is a control service', () => {
    const deployments: any = { configured: true, job: () => undefined };
    deployments.changed = new Signal(deployments);
    const items = make(deployments);
    expect(shown()).toContain('dataops-deploy-job');
    items.dispose();
  });

  it('offers only "Convert to job" in a notebook of no job', () => {
    host.context.path = 'scratch/explore.ipynb';
    const items = make();
    expect(items.job).toBeUndefined();
    expect(shown()).toEqual(['dataops-convert-to-job']);
    render();
    press('dataops-toolbar-convert');
    expect(executed).toEqual([
      [CommandIDs.convertToJob, { path: 'scratch/explore.ipynb' }]
    ]);
    items.dispose();
  });

  it('follows the runs of the job as they change', () => {
    const items = make();
    runs = [makeRun('orders', 'r1', 'running')];
    model.changed.emit();
    expect(status().textContent).toBe('last run: running');
    expect(status().dataset.status).toBe('active');
    runs = [
      makeRun('orders', 'r1', 'succeeded', {
        finished_at: new Date(Date.now() - 60000).toISOString()
      })
    ];
    model.changed.emit();
    expect(status().textContent).toBe('last run: succeeded 1 min. ago');
    expect(status().dataset.status).toBe('succeeded');
    status().click();
    expect(executed).toEqual([
      [CommandIDs.openRunLog, { job: 'orders', runId: 'r1' }]
    ]);
    items.dispose();
  });

  it('runs the job with the existing commands', () => {
    const items = make();
    render();
    press('dataops-toolbar-run');
    press('dataops-toolbar-run-arguments');
    expect(executed).toEqual([
      [CommandIDs.runJob, { name: 'orders' }],
      [CommandIDs.runJob, { name: 'orders', ask: true }]
    ]);
    items.dispose();
  });
});
