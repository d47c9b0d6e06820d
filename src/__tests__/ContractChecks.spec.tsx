import { MainAreaWidget } from '@jupyterlab/apputils';
import { CommandRegistry } from '@lumino/commands';
import { MessageLoop } from '@lumino/messaging';
import { Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';
import * as React from 'react';
import { act } from 'react';

import { checksLine, formatMeasured, formatValue, sortChecks } from '../checks';
import { CommandIDs, addCommands } from '../commands';
import { ExecutionList } from '../components/ExecutionList';
import { FailedStep } from '../components/FailedStep';
import { RunList } from '../components/RunList';
import { addDeploymentCommands } from '../deploymentCommands';
import { DataOpsService } from '../service';
import { CheckResult } from '../types';
import { CheckReport, CheckReportView } from '../widgets/CheckReport';
import { JobsSection } from '../widgets/JobsSection';
import {
  makeCheck,
  makeExecution,
  makeJob,
  makeRun,
  makeStep,
  makeStepError
} from './fixtures';
import { mountReactRoot } from './reactRoot';

/** Nine checks of `shop.products`: a price below zero, a category unknown. */
function productChecks(): CheckResult[] {
  return [
    makeCheck('products.product_id.required', 'passed'),
    makeCheck('products.price.exclusiveMinimum', 'failed', {
      property: 'price',
      kind: 'exclusiveMinimum',
      description: 'price > 0',
      measured: 2,
      threshold: '= 0',
      sql: 'SELECT count(*) FILTER (WHERE NOT (price > 0)) FROM shop.products',
      samples: [
        { product_id: 'p2', price: -5 },
        { product_id: 'p7', price: -0.5, note: null }
      ]
    }),
    makeCheck('products.product_id.unique', 'passed', { scope: 'table' }),
    makeCheck('products.name.required', 'skipped', {
      measured: null,
      threshold: null,
      unit: null,
      reason: 'the table has no column name'
    }),
    makeCheck('products.category.enum', 'warning', {
      severity: 'warning',
      measured: 1,
      samples: [{ product_id: 'p3', category: 'toys' }]
    }),
    makeCheck('big_enough', 'error', {
      kind: 'sql',
      description: '',
      measured: null,
      threshold: '> 1000',
      unit: null,
      reason: 'Catalog Error: Table with name sales does not exist!'
    }),
    makeCheck('products.price.required', 'passed'),
    makeCheck('products.name.maxLength', 'passed'),
    makeCheck('products.category.required', 'passed')
  ];
}

const passing = () => [
  makeCheck('products.product_id.required', 'passed'),
  makeCheck('products.price.required', 'passed')
];

describe('the checks of a step in one line', () => {
  it('counts failed and error as failed, and adds the warnings', () => {
    expect(checksLine(productChecks())).toBe(
      'contract: 2 of 9 checks failed, 1 warning'
    );
    expect(
      checksLine([
        makeCheck('a', 'passed'),
        makeCheck('b', 'warning'),
        makeCheck('c', 'passed')
      ])
    ).toBe('contract: 3 checks passed, 1 warning');
    expect(checksLine(passing())).toBe('contract: 2 checks passed');
    expect(checksLine([makeCheck('a', 'passed')])).toBe(
      'contract: 1 check passed'
    );
  });

  it('says measured figures with their unit, and values of sample rows as text', () => {
    const measured = (overrides: Partial<CheckResult>) =>
      formatMeasured(makeCheck('r', 'failed', overrides));
    expect(measured({ measured: 3, unit: 'rows' })).toBe('3 rows');
    expect(measured({ measured: 1, unit: 'rows' })).toBe('1 row');
    expect(measured({ measured: 12.5, unit: 'percent' })).toBe('12.5 %');
    expect(measured({ measured: 'books', unit: null })).toBe('books');
    expect(measured({ measured: null })).toBe('—');
    expect(formatValue({ a: [1, 2] })).toBe('{"a":[1,2]}');
    expect(formatValue('')).toBe('—');
    expect(formatValue(false)).toBe('false');
  });

  it('lists failed, warnings, errors, passed, skipped, in order within each', () => {
    expect(sortChecks(productChecks()).map(check => check.rule)).toEqual([
      'products.price.exclusiveMinimum',
      'products.category.enum',
      'big_enough',
      'products.product_id.required',
      'products.product_id.unique',
      'products.price.required',
      'products.name.maxLength',
      'products.category.required',
      'products.name.required'
    ]);
  });
});

describe('contract checks in the sidebar', () => {
  const view = mountReactRoot();
  const error = makeStepError(
    'load',
    'main.ipynb',
    1,
    'ContractViolation',
    'contract products on shop.products: 2 of 9 checks failed'
  );

  it('shows a failed step’s broken checks as a button that opens them', () => {
    const opened: string[] = [];
    act(() =>
      view.root.render(
        <FailedStep
          step="load"
          error={error}
          className="dataops-run-failed-step"
          checks={productChecks()}
          onOpenChecks={step => opened.push(step)}
        />
      )
    );
    const button = view.container.querySelector(
      '.dataops-failed-step-checks button'
    ) as HTMLButtonElement;
    expect(button.textContent).toBe(
      'contract: 2 of 9 checks failed, 1 warning'
    );
    expect(button.getAttribute('aria-label')).toBe(
      'contract: 2 of 9 checks failed, 1 warning in step load'
    );
    expect(button.title).toBe('Open the contract check report of step load');
    expect(button.dataset.state).toBe('failed');
    act(() => button.click());
    expect(opened).toEqual(['load']);
  });

  it('keeps checks that all passed for the expanded step', () => {
    act(() =>
      view.root.render(
        <FailedStep
          step="load"
          error={makeStepError('load', 'a.ipynb', 1, 'KeyError', "'price'")}
          className="dataops-run-failed-step"
          checks={passing()}
          onOpenChecks={() => undefined}
        />
      )
    );
    expect(view.container.textContent).not.toContain('contract');
    act(() =>
      (
        view.container.querySelector(
          '.dataops-failed-step-more'
        ) as HTMLButtonElement
      ).click()
    );
    expect(
      view.container.querySelector('.dataops-failed-step-checks')!.textContent
    ).toBe('contract: 2 checks passed');
    // A one-line message has nothing more to show than the checks.
    expect(
      view.container.querySelector('.dataops-failed-step-message')
    ).toBeNull();
  });

  it('shows the warnings of a succeeded run, and nothing for checks that passed', () => {
    const opened: [string, string][] = [];
    const warned = [makeCheck('a', 'passed'), makeCheck('b', 'warning')];
    const runs = [
      makeRun('products', 'r2', 'succeeded', {
        steps: [
          makeStep('load', 'succeeded', { checks: passing() }),
          makeStep('build', 'succeeded', { checks: warned })
        ]
      }),
      makeRun('products', 'r1', 'succeeded', {
        steps: [makeStep('load', 'succeeded', { checks: passing() })]
      })
    ];
    act(() =>
      view.root.render(
        <RunList
          runs={runs}
          onCancel={() => undefined}
          onOpenChecks={(run, step) => opened.push([run.run_id, step])}
        />
      )
    );
    const lines = view.container.querySelectorAll('.dataops-step-checks');
    expect(Array.from(lines).map(line => line.textContent)).toEqual([
      'step build · contract: 2 checks passed, 1 warning'
    ]);
    act(() =>
      (
        view.container.querySelector(
          'button[aria-label="contract: 2 checks passed, 1 warning in step build"]'
        ) as HTMLButtonElement
      ).click()
    );
    expect(opened).toEqual([['r2', 'build']]);
  });

  it('shows the failed step’s checks of an execution once, under its error', () => {
    const opened: [string, string][] = [];
    const execution = makeExecution('products', 'e1', 'user_error', {
      error,
      steps: [
        makeStep('load', 'failed', { checks: productChecks(), error }),
        makeStep('build', 'pending')
      ]
    });
    act(() =>
      view.root.render(
        <ExecutionList
          executions={[execution]}
          onCancel={() => undefined}
          onOpenLog={() => undefined}
          onOpenChecks={(execution, step) => opened.push([execution.id, step])}
        />
      )
    );
    const buttons = view.container.querySelectorAll('.dataops-checks-button');
    expect(buttons).toHaveLength(1);
    expect(buttons[0].closest('.dataops-execution-failed-step')).not.toBeNull();
    act(() => (buttons[0] as HTMLButtonElement).click());
    expect(opened).toEqual([['e1', 'load']]);
  });
});

describe('the check report', () => {
  const view = mountReactRoot();

  function render(checks: CheckResult[] | null, message = ''): HTMLElement {
    act(() =>
      view.root.render(
        <CheckReportView
          title="products · run r1 · step load"
          checks={checks}
          message={message}
        />
      )
    );
    return view.container;
  }

  const cells = (row: Element) =>
    Array.from(row.querySelectorAll(':scope > td')).map(
      cell => cell.textContent
    );

  it('sums up the checks and lists the broken ones first', () => {
    const node = render(productChecks());
    expect(node.querySelector('.dataops-checks-title')!.textContent).toBe(
      'Contract checks — products · run r1 · step load'
    );
    expect(node.querySelector('.dataops-checks-headline')!.textContent).toBe(
      '2 of 9 checks failed, 1 warning' +
        '1 failed · 1 warning · 1 error · 5 passed · 1 skipped'
    );
    expect(node.querySelector('.dataops-checks-tables')!.textContent).toBe(
      'Table shop.products'
    );
    const rows = Array.from(node.querySelectorAll('.dataops-check'));
    expect(rows.map(row => row.getAttribute('data-status'))).toEqual([
      'failed',
      'warning',
      'error',
      'passed',
      'passed',
      'passed',
      'passed',
      'passed',
      'skipped'
    ]);
    expect(cells(rows[0].querySelector('.dataops-check-row')!)).toEqual([
      '✗ failed',
      'products.price.exclusiveMinimum',
      'price > 0',
      '2 rows',
      '= 0',
      '▸samples (2)▸SQL'
    ]);
    // Nothing measured, no description: a dash; the reason under the row.
    expect(cells(rows[2].querySelector('.dataops-check-row')!)).toEqual([
      '✗ error',
      'big_enough',
      '—',
      '—',
      '> 1000',
      ''
    ]);
    expect(rows[2].querySelector('.dataops-check-reason')!.textContent).toBe(
      'Catalog Error: Table with name sales does not exist!'
    );
    expect(rows[8].querySelector('.dataops-check-reason')!.textContent).toBe(
      'the table has no column name'
    );
    // Passed rows have no samples to show.
    expect(rows[3].querySelector('.dataops-check-toggle')).toBeNull();
  });

  it('shows the sample rows and the SQL of a rule on demand', () => {
    const node = render(productChecks());
    const failed = node.querySelector('.dataops-check[data-status="failed"]')!;
    expect(failed.querySelector('.dataops-check-samples')).toBeNull();
    const samples = failed.querySelector(
      'button[aria-label="Show sample rows of products.price.exclusiveMinimum"]'
    ) as HTMLButtonElement;
    expect(samples.getAttribute('aria-expanded')).toBe('false');
    act(() => samples.click());
    expect(samples.getAttribute('aria-expanded')).toBe('true');
    const table = failed.querySelector('.dataops-check-samples')!;
    expect(
      Array.from(table.querySelectorAll('th')).map(th => th.textContent)
    ).toEqual(['product_id', 'price', 'note']);
    expect(
      Array.from(table.querySelectorAll(':scope > tbody > tr')).map(tr =>
        Array.from(tr.querySelectorAll('td')).map(td => td.textContent)
      )
    ).toEqual([
      ['p2', '-5', '—'],
      ['p7', '-0.5', '—']
    ]);
    expect(failed.querySelector('.dataops-check-sql')).toBeNull();
    act(() =>
      (
        failed.querySelector(
          'button[aria-label="Show the SQL of products.price.exclusiveMinimum"]'
        ) as HTMLButtonElement
      ).click()
    );
    expect(failed.querySelector('.dataops-check-sql')!.textContent).toBe(
      'SELECT count(*) FILTER (WHERE NOT (price > 0)) FROM shop.products'
    );
    act(() => samples.click());
    expect(failed.querySelector('.dataops-check-samples')).toBeNull();
  });

  it('says when a step has no checks, and why it could not load them', () => {
    expect(render([]).textContent).toContain(
      'No contract checked the tables of this step.'
    );
    const node = render(null, 'Could not load the checks: No run r9.');
    expect(node.querySelector('[role="status"]')!.textContent).toBe(
      'Could not load the checks: No run r9.'
    );
    expect(node.querySelector('.dataops-checks-table')).toBeNull();
  });
});

/** Wait for a report's first load and render what it loaded. */
async function settle(report: CheckReport): Promise<void> {
  await act(async () => {
    await report.ready;
    MessageLoop.flush();
  });
}

describe('opening a check report', () => {
  let commands: CommandRegistry;
  let service: DataOpsService;
  let opened: Widget[];
  let activated: Widget[];
  let model: any;

  const runId = '20261201T120000-1a2b3c4d';
  const error = makeStepError('load', 'products.ipynb', 1, 'Error', 'broken');
  const run = makeRun('products', runId, 'failed', {
    error,
    steps: [
      makeStep('load', 'failed', { checks: productChecks(), error }),
      makeStep('build', 'succeeded', { checks: passing() })
    ]
  });

  beforeEach(() => {
    commands = new CommandRegistry();
    service = new DataOpsService();
    opened = [];
    activated = [];
    model = {
      service,
      jobs: [makeJob('products')],
      invalid: [],
      hasLoaded: true,
      error: null,
      runs: () => [run]
    };
    model.changed = new Signal(model);
    const mainArea = {
      open: (widget: Widget) => opened.push(widget),
      activate: (widget: Widget) => activated.push(widget)
    };
    addCommands(commands, model, mainArea);
    addDeploymentCommands(commands, { service } as any, mainArea);
  });

  afterEach(() => {
    act(() => opened.forEach(widget => widget.dispose()));
    jest.restoreAllMocks();
  });

  it('opens the report of a run’s step from the sidebar, once per step', async () => {
    const getRun = jest.spyOn(service, 'getRun').mockResolvedValue(run);
    const section = new JobsSection({ model, commands });
    await act(async () => {
      Widget.attach(section, document.body);
      MessageLoop.flush();
    });
    const button = section.node.querySelector(
      '.dataops-run-failed-step .dataops-checks-button'
    ) as HTMLButtonElement;
    expect(button.textContent).toBe(
      'contract: 2 of 9 checks failed, 1 warning'
    );
    await act(async () => button.click());
    expect(opened).toHaveLength(1);
    const panel = opened[0] as MainAreaWidget<CheckReport>;
    expect(panel.content).toBeInstanceOf(CheckReport);
    expect(panel.title.label).toBe(
      'Contract checks — products 1a2b3c4d · load'
    );
    await settle(panel.content);
    expect(getRun).toHaveBeenCalledWith(runId);
    expect(panel.content.checks).toHaveLength(9);

    // Again: the same tab comes to the front.
    await act(async () => button.click());
    expect(opened).toHaveLength(1);
    expect(activated).toEqual([panel, panel]);

    // Another step of the same run has its own tab.
    const other = (await act(() =>
      commands.execute(CommandIDs.openRunChecks, {
        job: 'products',
        runId,
        step: 'build'
      })
    )) as MainAreaWidget<CheckReport>;
    expect(other).not.toBe(panel);
    await settle(other.content);
    expect(other.content.checks).toHaveLength(2);
    act(() => section.dispose());
  });

  it('opens the report of an execution’s step, and says when there is no such step', async () => {
    const execution = makeExecution('products', 'e1', 'user_error', {
      steps: run.steps
    });
    const get = jest
      .spyOn(service, 'getExecution')
      .mockResolvedValue(execution);
    const panel = (await act(() =>
      commands.execute(CommandIDs.openExecutionChecks, {
        job: 'products',
        executionId: 'e1',
        step: 'load'
      })
    )) as MainAreaWidget<CheckReport>;
    expect(panel.title.label).toBe('Contract checks — products e1 · load');
    expect(panel.content.source.title).toBe(
      'products · execution e1 · step load'
    );
    await settle(panel.content);
    expect(get).toHaveBeenCalledWith('products', 'e1');
    expect(panel.content.checks).toHaveLength(9);

    const missing = (await act(() =>
      commands.execute(CommandIDs.openExecutionChecks, {
        job: 'products',
        executionId: 'e1',
        step: 'gone'
      })
    )) as MainAreaWidget<CheckReport>;
    await settle(missing.content);
    expect(missing.content.error).toBe('Execution e1 has no step named gone.');
  });
});
