/**
 * Run status on the step cells: a run's steps matched to a notebook's cells,
 * what each cell's badge row says, and the run the "Last run" picker shows.
 */
import { nullTranslator } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';
import { Signal } from '@lumino/signaling';
import { Toolbar } from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';

import { runEntry, executionEntry, entryKey } from '../jobHistory';
import { DataJobsModel } from '../model';
import {
  cellStatusView,
  errorLine,
  stepsOfCells
} from '../notebook/cellStatus';
import { JobToolbar, entryLabel } from '../notebook/jobToolbar';
import { LATEST, RunSelection, latestEntry } from '../notebook/runSelection';
import { DataOpsRequestError, requestAPI } from '../request';
import { Execution, Run } from '../types';
import {
  makeCheck,
  makeExecution,
  makeJob,
  makeRun,
  makeStep,
  makeStepError
} from './fixtures';

jest.mock('../request', () => ({
  ...jest.requireActual('../request'),
  requestAPI: jest.fn()
}));

const mockedRequest = requestAPI as jest.MockedFunction<typeof requestAPI>;
const trans = nullTranslator.load('dataops_jupyter');

describe('stepsOfCells', () => {
  const steps = [
    makeStep('extract', 'succeeded', { cell_id: 'a', notebook: 'main.ipynb' }),
    makeStep('load', 'failed', { cell_id: 'b', notebook: 'main.ipynb' }),
    makeStep('report', 'skipped', { cell_id: 'c', notebook: 'main.ipynb' }),
    makeStep('other', 'succeeded', { cell_id: 'd', notebook: 'other.ipynb' })
  ];

  it('matches steps to cells by cell id, whatever the step is named now', () => {
    const found = stepsOfCells(steps, 'main.ipynb', [
      { id: 'x', step: null },
      { id: 'b', step: 'renamed' },
      { id: 'a', step: 'extract' }
    ]);
    expect(found.map(step => step?.name ?? null)).toEqual([
      null,
      'load',
      'extract'
    ]);
  });

  it('falls back to the step name for a cell whose id no step has', () => {
    const found = stepsOfCells(steps, 'main.ipynb', [
      { id: 'a', step: 'extract' },
      { id: 'new-id', step: 'report' },
      // `extract` already ran the first cell: a second cell does not get it.
      { id: 'copy', step: 'extract' }
    ]);
    expect(found.map(step => step?.name ?? null)).toEqual([
      'extract',
      'report',
      null
    ]);
  });

  it('leaves cells the run has no step for, and steps of other notebooks', () => {
    const found = stepsOfCells(steps, 'main.ipynb', [
      { id: 'd', step: 'other' },
      { id: 'z', step: 'added-since' }
    ]);
    expect(found).toEqual([null, null]);
    expect(stepsOfCells([], 'main.ipynb', [{ id: 'a', step: 'x' }])).toEqual([
      null
    ]);
  });
});

describe('cellStatusView', () => {
  it('says how a step went: status, duration, rows and checks', () => {
    const step = makeStep('load', 'succeeded', {
      duration: 1.25,
      rows_ingested: 1000,
      checks: [
        makeCheck('a', 'passed'),
        makeCheck('b', 'passed'),
        makeCheck('c', 'warning')
      ]
    });
    expect(cellStatusView(step, trans)).toEqual({
      status: 'succeeded',
      label: 'succeeded',
      duration: '1.3 s',
      rows: '1,000 rows',
      checks: 'checks 3/3',
      checksFailed: false,
      error: ''
    });
  });

  it('gives a failed step its error line and failed checks', () => {
    const step = makeStep('load', 'failed', {
      duration: 0.5,
      rows_ingested: 1,
      rows_rejected: 3,
      checks: [makeCheck('a', 'passed'), makeCheck('b', 'failed')],
      error: makeStepError(
        'load',
        'main.ipynb',
        1,
        'ContractViolation',
        '\nprice must be above 0\nsample: id=2'
      )
    });
    const view = cellStatusView(step, trans);
    expect(view.error).toBe('ContractViolation: price must be above 0');
    expect(view.rows).toBe('1 row, 3 rejected');
    expect(view.checks).toBe('checks 1/2');
    expect(view.checksFailed).toBe(true);
  });

  it('shows running and pending steps, and cells the run did not have', () => {
    expect(cellStatusView(makeStep('a', 'running'), trans)).toMatchObject({
      status: 'running',
      label: 'running',
      duration: '',
      rows: '',
      checks: ''
    });
    expect(cellStatusView(makeStep('a', 'pending'), trans).label).toBe(
      'pending'
    );
    expect(cellStatusView(null, trans)).toMatchObject({
      status: 'none',
      label: 'not in this run'
    });
  });

  it('writes an error without a message as its name', () => {
    expect(errorLine({ ename: 'KeyboardInterrupt', evalue: '' })).toBe(
      'KeyboardInterrupt'
    );
  });
});

describe('latestEntry', () => {
  const older = runEntry(makeRun('orders', 'r1', 'succeeded'));
  const newer = executionEntry(
    makeExecution('orders', 'e2', 'running', {
      created_at: '2024-05-01T11:00:00Z'
    })
  );

  it('is the newer of the live run and the history, the live copy for the same run', () => {
    expect(latestEntry(null, [])).toBeNull();
    expect(latestEntry(older, [])).toBe(older);
    expect(latestEntry(older, [newer, older])).toBe(newer);
    const live = runEntry(
      makeRun('orders', 'r1', 'running', { created_at: older.created_at })
    );
    expect(latestEntry(live, [older])).toBe(live);
  });
});

/**
 * A server extension with one job `orders` in `jobs/orders`: its runs (the
 * jobs list and the paged history) and executions.
 */
class FakeServer {
  runs: Run[] = [];
  /** Null: the control service does not have the job (404). */
  executions: Execution[] | null = [];

  install(): void {
    mockedRequest.mockImplementation(async (path = '') => {
      const [route] = path.split('?');
      const job = makeJob('orders', { path: 'jobs/orders' });
      if (route === 'jobs') {
        return { jobs: [job], invalid: [], runs: { orders: this.runs } } as any;
      }
      if (route === 'jobs/orders') {
        return job as any;
      }
      if (route === 'jobs/orders/runs') {
        return { runs: this.runs, next_cursor: null } as any;
      }
      if (route === 'control/jobs/orders/executions') {
        if (this.executions === null) {
          throw new DataOpsRequestError(404, "job 'orders' not found");
        }
        return { executions: this.executions, next_cursor: null } as any;
      }
      throw new DataOpsRequestError(404, `no route ${route}`, 'not_found');
    });
  }
}

describe('the run a job notebook shows', () => {
  let server: FakeServer;
  let model: DataJobsModel;
  let host: any;
  let selection: RunSelection;

  beforeEach(async () => {
    server = new FakeServer();
    server.install();
    model = new DataJobsModel();
    const toolbar = new Toolbar<Widget>();
    toolbar.addItem('cellType', new Widget());
    // The notebook panel: a widget on the page, with its document's path.
    host = new Widget();
    host.toolbar = toolbar;
    host.context = { path: 'jobs/orders/orders.ipynb' };
    host.context.pathChanged = new Signal(host.context);
    Widget.attach(host, document.body);
    selection = new RunSelection({ host, model });
  });

  afterEach(() => {
    selection.dispose();
    model.dispose();
    if (host.isAttached) {
      Widget.detach(host);
    }
    mockedRequest.mockReset();
  });

  const settle = async () => {
    for (let i = 0; i < 5; i++) {
      await new Promise(resolve => setTimeout(resolve, 0));
    }
  };

  it('polls the jobs while the notebook is shown, and stops when it is hidden', async () => {
    await model.refresh();
    await settle();
    expect(selection.job).toBe('orders');
    expect(model.isPolling).toBe(true);
    host.hide();
    await settle();
    expect(model.isPolling).toBe(false);
    host.show();
    await settle();
    expect(model.isPolling).toBe(true);
    // Renamed out of the job: no job, and nothing to follow.
    host.context.path = 'scratch.ipynb';
    host.context.pathChanged.emit('scratch.ipynb');
    expect(selection.job).toBeNull();
    expect(model.isPolling).toBe(false);
    host.context.path = 'jobs/orders/orders.ipynb';
    host.context.pathChanged.emit(host.context.path);
    expect(model.isPolling).toBe(true);
    selection.dispose();
    expect(model.isPolling).toBe(false);
  });

  it('shows the latest run or execution, or the one the picker chose', async () => {
    server.runs = [
      makeRun('orders', 'r2', 'failed', { created_at: '2024-05-01T10:30:00Z' }),
      makeRun('orders', 'r1', 'succeeded')
    ];
    server.executions = [
      makeExecution('orders', 'e1', 'succeeded', {
        created_at: '2024-05-01T10:10:00Z'
      })
    ];
    await model.refresh();
    await settle();
    expect(selection.entries.map(entryKey)).toEqual([
      'run:r2',
      'execution:e1',
      'run:r1'
    ]);
    expect(selection.choice).toBe(LATEST);
    expect(selection.selected?.id).toBe('r2');

    const commands = new CommandRegistry();
    const toolbar = new JobToolbar({ host, commands, model, selection });
    const picker = host.toolbar.node.querySelector(
      '.dataops-run-picker select'
    ) as HTMLSelectElement;
    expect(Array.from(picker.options).map(o => o.value)).toEqual([
      LATEST,
      'run:r2',
      'execution:e1',
      'run:r1'
    ]);
    expect(picker.options[0].textContent).toMatch(/^Latest: Run .+ · failed$/);
    expect(picker.options[1].textContent).toMatch(/^Run .+ · failed$/);
    expect(picker.options[2].textContent).toMatch(/^Execution .+ · succeeded$/);

    picker.value = 'execution:e1';
    picker.dispatchEvent(new Event('change'));
    expect(selection.choice).toBe('execution:e1');
    expect(selection.selected?.kind).toBe('execution');

    // A new run started from the toolbar: "Latest" follows it at once.
    picker.value = LATEST;
    picker.dispatchEvent(new Event('change'));
    const started = makeRun('orders', 'r3', 'running', {
      created_at: '2024-05-01T11:00:00Z',
      steps: [makeStep('load', 'running')]
    });
    server.runs = [started, ...server.runs];
    await model.refresh();
    await settle();
    expect(selection.selected?.id).toBe('r3');
    expect(selection.selected?.steps[0].status).toBe('running');
    expect(picker.options[1].value).toBe('run:r3');
    toolbar.dispose();
  });

  it('lists the executions of a version deployed from the toolbar without waiting for the poll', async () => {
    server.runs = [makeRun('orders', 'r1', 'succeeded')];
    server.executions = null;
    let version: number | null = null;
    const deployments: any = {
      configured: true,
      job: (name: string) =>
        name === 'orders' ? { name, active_version: version } : undefined
    };
    deployments.changed = new Signal(deployments);
    const items = new JobToolbar({
      host,
      commands: new CommandRegistry(),
      model,
      deployments,
      selection
    });
    await model.refresh();
    await settle();
    expect(selection.entries.map(entryKey)).toEqual(['run:r1']);

    // Deployed: the control service has the job and runs an execution.
    version = 1;
    server.executions = [
      makeExecution('orders', 'e1', 'running', {
        created_at: '2024-05-01T11:00:00Z'
      })
    ];
    deployments.changed.emit();
    await settle();
    expect(selection.entries.map(entryKey)).toEqual(['execution:e1', 'run:r1']);
    expect(selection.latest?.kind).toBe('execution');
    const chip = host.toolbar.node.querySelector(
      '.dataops-job-status'
    ) as HTMLElement;
    expect(chip.textContent).toBe('last execution: running');
    expect(chip.dataset.status).toBe('active');
    items.dispose();
  });
});

describe('entryLabel', () => {
  it('names runs and executions with their time and status', () => {
    const now = new Date('2024-05-01T10:00:00Z');
    expect(
      entryLabel(runEntry(makeRun('orders', 'r1', 'timed_out')), trans, now)
    ).toMatch(/^Run \d\d:\d\d · timed out$/);
    expect(
      entryLabel(
        executionEntry(makeExecution('orders', 'e1', 'user_error')),
        trans,
        new Date('2024-06-01T10:00:00Z')
      )
    ).toMatch(/^Execution \S+ \d+ \d\d:\d\d · user error$/);
  });
});
