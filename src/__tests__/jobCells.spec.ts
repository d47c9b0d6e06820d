import {
  cellRoles,
  jobOfNotebook,
  notebookPlace,
  stepTagName,
  withParameters,
  withStep
} from '../notebook/jobCells';
import { makeJob } from './fixtures';

const code = (...tags: string[]) => ({ cellType: 'code', tags });

describe('cellRoles', () => {
  it('numbers steps in notebook order and names bare steps as the server does', () => {
    const roles = cellRoles([
      code('parameters'),
      code('step:load'),
      { cellType: 'markdown', tags: [] },
      code(),
      code('step'),
      code('other', 'step:report')
    ]);
    expect(roles).toEqual([
      { kind: 'parameters' },
      { kind: 'step', number: 1, name: 'load', named: true },
      { kind: 'other' },
      { kind: 'scratch' },
      { kind: 'step', number: 2, name: 'step-2', named: false },
      { kind: 'step', number: 3, name: 'report', named: true }
    ]);
  });

  it('continues the numbering of an earlier notebook of the job', () => {
    expect(cellRoles([code('step')], 4)).toEqual([
      { kind: 'step', number: 4, name: 'step-4', named: false }
    ]);
  });
});

describe('tags', () => {
  it('reads the step name of a cell', () => {
    expect(stepTagName(['x', 'step:load'])).toBe('load');
    expect(stepTagName(['step'])).toBe('');
    expect(stepTagName(['stepping'])).toBeNull();
  });

  it('makes a cell a step, renames it and makes it scratch again', () => {
    expect(withStep(['x'], '')).toEqual(['x', 'step']);
    expect(withStep(['step', 'x'], 'load')).toEqual(['x', 'step:load']);
    expect(withStep(['parameters'], 'load')).toEqual(['step:load']);
    expect(withStep(['step:load', 'x'], null)).toEqual(['x']);
  });

  it('makes a step the parameters cell', () => {
    expect(withParameters(['step:load', 'x'])).toEqual(['x', 'parameters']);
  });
});

describe('jobOfNotebook', () => {
  it('finds the job that lists the notebook', () => {
    const jobs = [
      makeJob('orders', { path: 'jobs/orders', notebooks: ['orders.ipynb'] }),
      makeJob('root', { path: '', notebooks: ['sub/root.ipynb'] })
    ];
    expect(jobOfNotebook(jobs, 'jobs/orders/orders.ipynb')?.name).toBe(
      'orders'
    );
    expect(jobOfNotebook(jobs, 'sub/root.ipynb')?.name).toBe('root');
    expect(jobOfNotebook(jobs, 'jobs/orders/scratch.ipynb')).toBeUndefined();
  });
});

describe('notebookPlace', () => {
  const step = (name: string, notebook: string) => ({
    name,
    notebook,
    cell_index: 0,
    cell_id: name,
    first_line: `print('${name}')`
  });
  const job = makeJob('orders', {
    path: 'jobs/orders',
    notebooks: ['a.ipynb', 'b.ipynb', 'c.ipynb'],
    steps: [
      step('one', 'a.ipynb'),
      step('step-2', 'a.ipynb'),
      step('three', 'b.ipynb'),
      step('four', 'c.ipynb')
    ]
  });

  it('numbers a notebook after the steps of the notebooks the job runs before it', () => {
    const place = notebookPlace([job], 'jobs/orders/c.ipynb')!;
    expect(place.notebook).toBe('c.ipynb');
    expect(place.firstNumber).toBe(4);
    expect(place.otherSteps.map(s => s.name)).toEqual([
      'one',
      'step-2',
      'three'
    ]);
    expect(notebookPlace([job], 'jobs/orders/a.ipynb')!.firstNumber).toBe(1);
    expect(notebookPlace([job], 'jobs/orders/d.ipynb')).toBeUndefined();
  });
});
