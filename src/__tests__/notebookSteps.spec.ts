import { Dialog } from '@jupyterlab/apputils';
import { ICellModel } from '@jupyterlab/cells';
import * as nbformat from '@jupyterlab/nbformat';
import { Notebook, NotebookModel } from '@jupyterlab/notebook';
import { NBTestUtils } from '@jupyterlab/notebook/lib/testutils';
import { nullTranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { StepBadges } from '../notebook/StepBadges';
import { StepNameForm, stepNameMessage } from '../notebook/StepNameForm';
import { tagsOf } from '../notebook/cellTags';
import { markParameters, toggleSteps } from '../notebook/commands';
import {
  INotebookPlace,
  cellRoles,
  notebookPlace,
  stepNameProblem
} from '../notebook/jobCells';
import { runEntry } from '../jobHistory';
import { makeJob, makeRun, makeStep, makeStepError } from './fixtures';

const trans = nullTranslator.load('dataops_jupyter');

/** A job `orders` whose first notebook has two steps; `orders.ipynb` comes second. */
const JOB = makeJob('orders', {
  path: 'jobs/orders',
  notebooks: ['prepare.ipynb', 'orders.ipynb'],
  steps: [
    {
      name: 'extract',
      notebook: 'prepare.ipynb',
      cell_index: 0,
      cell_id: 'p1',
      first_line: 'rows = extract()'
    },
    {
      name: 'step-2',
      notebook: 'prepare.ipynb',
      cell_index: 1,
      cell_id: 'p2',
      first_line: 'clean(rows)'
    },
    {
      name: 'load',
      notebook: 'orders.ipynb',
      cell_index: 2,
      cell_id: 'c2',
      first_line: '%%ingest orders'
    }
  ]
});
const PLACE = notebookPlace([JOB], 'jobs/orders/orders.ipynb')!;

function code(id: string, ...tags: string[]): nbformat.ICodeCell {
  return {
    cell_type: 'code',
    id,
    metadata: tags.length ? { tags } : {},
    source: `# ${id}`,
    outputs: [],
    execution_count: null
  };
}

const CELLS: nbformat.ICell[] = [
  { cell_type: 'markdown', id: 'm', metadata: {}, source: '# Orders' },
  code('c1', 'parameters'),
  code('c2', 'step:load'),
  code('c3'),
  code('c4', 'step')
];

let notebook: Notebook;
let shown: StepBadges;

/** A notebook on the page with `cells`, its badges placed in `place`. */
async function open(
  cells: nbformat.ICell[],
  place: INotebookPlace | null = PLACE
): Promise<void> {
  notebook = NBTestUtils.createNotebook();
  const model = new NotebookModel();
  model.fromJSON({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells });
  notebook.model = model;
  Widget.attach(notebook, document.body);
  shown = new StepBadges({ notebook, trans });
  shown.place = place;
  await settle();
}

/** Let the badges follow the changes made so far. */
const settle = () => new Promise(resolve => setTimeout(resolve, 0));

/** What each cell's role row says, `null` for a cell without one. */
function badges(): (string | null)[] {
  return notebook.widgets.map(
    cell =>
      cell.node.querySelector('.dataops-cell-role')?.textContent?.trim() ?? null
  );
}

function cell(index: number): ICellModel {
  return notebook.widgets[index].model;
}

afterEach(() => {
  shown.dispose();
  notebook.dispose();
  document.body.innerHTML = '';
});

describe('step badges', () => {
  it('number the steps after those of the job notebooks before this one and mark parameters and scratch', async () => {
    await open(CELLS);
    expect(PLACE.firstNumber).toBe(3);
    expect(badges()).toEqual([
      null,
      'Parameters',
      'Step 3 · load',
      'scratch',
      'Step 4 · step-4'
    ]);
    expect(notebook.widgets[3].hasClass('dataops-cell-scratch')).toBe(true);
    expect(notebook.widgets[2].hasClass('dataops-cell-step')).toBe(true);
  });

  it('renumber when a cell moves, its tags change, or cells are added and removed', async () => {
    await open(CELLS);
    const shared = notebook.model!.sharedModel;

    shared.moveCell(4, 2);
    await settle();
    expect(badges()).toEqual([
      null,
      'Parameters',
      'Step 3 · step-3',
      'Step 4 · load',
      'scratch'
    ]);

    // As the Property Inspector writes them.
    cell(4).setMetadata('tags', ['step:report']);
    cell(2).deleteMetadata('tags');
    await settle();
    expect(badges()).toEqual([
      null,
      'Parameters',
      'scratch',
      'Step 3 · load',
      'Step 4 · report'
    ]);

    shared.insertCell(1, {
      cell_type: 'code',
      source: '',
      metadata: { tags: ['step:setup'] }
    });
    shared.deleteCell(5);
    await settle();
    expect(badges()).toEqual([
      null,
      'Step 3 · setup',
      'Parameters',
      'scratch',
      'Step 4 · load'
    ]);
  });

  it('are not shown on a notebook that no job lists, where toggling still tags the cell', async () => {
    await open(CELLS, null);
    expect(badges()).toEqual([null, null, null, null, null]);
    toggleSteps([cell(3)]);
    await settle();
    expect(tagsOf(cell(3))).toEqual(['step']);
    expect(badges()).toEqual([null, null, null, null, null]);
  });

  it('show no scratch marker when scratch markers are off', async () => {
    await open(CELLS);
    shown.showScratch = false;
    await settle();
    expect(badges()[3]).toBeNull();
    expect(notebook.widgets[3].hasClass('dataops-cell-scratch')).toBe(false);
    expect(badges()[2]).toBe('Step 3 · load');
  });

  it('go away when the notebook leaves its job', async () => {
    await open(CELLS);
    shown.place = null;
    await settle();
    expect(badges()).toEqual([null, null, null, null, null]);
  });
});

describe('run status on the step cells', () => {
  /** What the status part of each cell's role row says, `null` for none. */
  const statuses = () =>
    notebook.widgets.map(cell => {
      const node = cell.node.querySelector(
        '.dataops-cell-status'
      ) as HTMLElement | null;
      return node && !node.hidden
        ? `${node.dataset.status}: ${node.textContent}`
        : null;
    });

  it('show how each step went in the shown run, matched by cell id or name', async () => {
    await open(CELLS);
    const onTraceback = jest.fn();
    shown.dispose();
    shown = new StepBadges({ notebook, trans, onTraceback });
    shown.place = PLACE;
    const run = runEntry(
      makeRun('orders', 'r1', 'failed', {
        steps: [
          makeStep('load', 'succeeded', {
            notebook: 'orders.ipynb',
            cell_id: 'c2',
            duration: 2,
            rows_ingested: 1000
          }),
          // Not matched by id (the cell's id changed): by its name.
          makeStep('step-4', 'failed', {
            notebook: 'orders.ipynb',
            cell_id: 'gone',
            duration: 0.5,
            error: makeStepError(
              'step-4',
              'orders.ipynb',
              4,
              'ValueError',
              'bad rows\ndetails'
            )
          })
        ]
      })
    );
    shown.run = run;
    await settle();
    expect(statuses()).toEqual([
      null,
      null,
      'succeeded: succeeded2.0 s1,000 rows',
      null,
      'failed: failed0.5 s'
    ]);
    const error = notebook.widgets[4].node.querySelector(
      '.dataops-cell-error'
    ) as HTMLElement;
    expect(error.hidden).toBe(false);
    expect(error.querySelector('.dataops-cell-error-text')!.textContent).toBe(
      'ValueError: bad rows'
    );
    (
      error.querySelector('.dataops-cell-traceback') as HTMLButtonElement
    ).click();
    expect(onTraceback).toHaveBeenCalledWith(run);
    const okError = notebook.widgets[2].node.querySelector(
      '.dataops-cell-error'
    ) as HTMLElement;
    expect(okError.hidden).toBe(true);
    // The step badge still renames: its text is unchanged.
    expect(
      notebook.widgets[2].node.querySelector('.dataops-step-badge')!.textContent
    ).toBe('Step 3 · load');

    // A run without a step for a cell says so; no run: no status at all.
    shown.run = runEntry(makeRun('orders', 'r2', 'running', { steps: [] }));
    await settle();
    expect(statuses()[2]).toBe('none: not in this run');
    shown.run = null;
    await settle();
    expect(statuses()).toEqual([null, null, null, null, null]);
    expect(badges()[2]).toBe('Step 3 · load');
  });
});

describe('step commands', () => {
  it('toggle steps on and off, keeping names', async () => {
    await open(CELLS);
    toggleSteps([cell(2), cell(3)]);
    expect(tagsOf(cell(2))).toEqual(['step:load']);
    expect(tagsOf(cell(3))).toEqual(['step']);
    await settle();
    expect(badges().slice(2, 4)).toEqual(['Step 3 · load', 'Step 4 · step-4']);
    toggleSteps([cell(2), cell(3)]);
    expect(tagsOf(cell(2))).toEqual([]);
    expect(tagsOf(cell(3))).toEqual([]);
  });

  it('move the parameters tag to the marked cell, and take it off when marked again', async () => {
    await open(CELLS);
    markParameters(notebook.model!.cells, cell(3));
    await settle();
    expect(tagsOf(cell(1))).toEqual([]);
    expect(badges()).toEqual([
      null,
      'scratch',
      'Step 3 · load',
      'Parameters',
      'Step 4 · step-4'
    ]);
    markParameters(notebook.model!.cells, cell(3));
    expect(tagsOf(cell(3))).toEqual([]);
  });
});

describe('renaming a step', () => {
  // Steps 3 and 4 of the job: `load` and a bare step.
  const roles = cellRoles(
    [
      { cellType: 'code', tags: ['step:load'] },
      { cellType: 'code', tags: ['step'] }
    ],
    PLACE.firstNumber
  );
  const message = (name: string, index = 1) => {
    const problem = stepNameProblem(name, index, roles, PLACE.otherSteps);
    return problem && stepNameMessage(problem, 'orders', trans);
  };

  it('refuses a name used by another step of the job, here or in its other notebooks', () => {
    expect(message('load')).toBe(
      'Another step of this notebook is already named "load": step names must be unique in job orders.'
    );
    expect(message('extract')).toBe(
      'Step "extract" already exists in prepare.ipynb: step names must be unique in job orders.'
    );
    expect(message('step-2')).toBe(
      'Step "step-2" already exists in prepare.ipynb: step names must be unique in job orders.'
    );
  });

  it('refuses a name the job model does not accept, and takes a new or its own name', () => {
    expect(message('two words')).toMatch(
      /^"two words" is not a valid step name/
    );
    expect(message('-x')).toMatch(/is not a valid step name/);
    expect(message('transform')).toBeNull();
    expect(message('load', 0)).toBeNull();
    expect(message('')).toBeNull();
  });

  it('shows why a typed name cannot be used while it is typed', () => {
    const form = new StepNameForm({
      trans,
      name: 'report',
      defaultName: 'step-4',
      problem: name => message(name)
    });
    expect(form.message).toBe('');
    form.input.value = 'extract';
    form.input.dispatchEvent(new Event('input'));
    expect(form.message).toBe(
      'Step "extract" already exists in prepare.ipynb: step names must be unique in job orders.'
    );
    expect(form.input.getAttribute('aria-invalid')).toBe('true');
  });

  it('through the badge: a duplicate is refused and the dialog stays, a valid name is written', async () => {
    await open(CELLS);
    const renamed = shown.rename(notebook.widgets[4]);
    await settle();
    const dialog = () => document.body.querySelector('.jp-Dialog')!;
    const type = (text: string) => {
      const input = dialog().querySelector('input')!;
      input.value = text;
      input.dispatchEvent(new Event('input'));
    };
    const accept = () =>
      (dialog().querySelector('.jp-mod-accept') as HTMLButtonElement).click();

    expect(dialog().querySelector('input')!.placeholder).toBe('step-4');
    type('load');
    expect(dialog().textContent).toContain(
      'Another step of this notebook is already named "load"'
    );
    accept();
    await settle();
    await settle();
    expect(dialog()).not.toBeNull();
    expect(tagsOf(cell(4))).toEqual(['step']);
    expect(
      dialog().querySelector('.dataops-step-name-problem')!.textContent
    ).toContain('already named "load"');

    type('report');
    accept();
    await renamed;
    expect(tagsOf(cell(4))).toEqual(['step:report']);
    await settle();
    expect(badges()[4]).toBe('Step 4 · report');
    expect(Dialog.tracker.size).toBe(0);
  });
});
