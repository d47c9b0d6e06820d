/**
 * Which cells of a notebook are a job's steps and parameters, read from
 * their tags exactly as the job model on the server reads them
 * (`dataops_jupyter/jobs/notebook.py`), and which job a notebook belongs to.
 */
import { PathExt } from '@jupyterlab/coreutils';

import { Job, Step } from '../types';

/** The tag of a step cell: `step` or `step:<name>`. */
export const STEP_TAG = 'step';

/** The tag of the cell that holds the defaults of the job's arguments. */
export const PARAMETERS_TAG = 'parameters';

/** What a step name may be (the server's rule). */
export const STEP_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;

/** The parts of a cell that say what it is in the job. */
export interface ICellTags {
  /** `code`, `markdown` or `raw`. */
  cellType: string;
  tags: ReadonlyArray<string>;
}

/** What one cell of a job notebook is in the job. */
export type CellRole =
  | { kind: 'step'; number: number; name: string; named: boolean }
  | { kind: 'parameters' }
  | { kind: 'scratch' }
  | { kind: 'other' };

/** Whether a tag marks a step. */
export function isStepTag(tag: string): boolean {
  return tag === STEP_TAG || tag.startsWith(STEP_TAG + ':');
}

/**
 * The step name a cell's tags declare: `''` for a bare `step` tag, `null`
 * when the cell is not a step.
 */
export function stepTagName(tags: ReadonlyArray<string>): string | null {
  const tag = tags.find(isStepTag);
  if (tag === undefined) {
    return null;
  }
  return tag === STEP_TAG ? '' : tag.slice(STEP_TAG.length + 1).trim();
}

/**
 * The roles of a notebook's cells, in order. Steps are numbered from
 * `firstNumber`; a bare `step` tag gets the name the server gives it,
 * `step-<number>`.
 */
export function cellRoles(
  cells: ReadonlyArray<ICellTags>,
  firstNumber = 1
): CellRole[] {
  let number = firstNumber;
  return cells.map(cell => {
    if (cell.cellType !== 'code') {
      return { kind: 'other' };
    }
    if (cell.tags.includes(PARAMETERS_TAG)) {
      return { kind: 'parameters' };
    }
    const name = stepTagName(cell.tags);
    if (name === null) {
      return { kind: 'scratch' };
    }
    const role: CellRole = {
      kind: 'step',
      number,
      name: name || `step-${number}`,
      named: name !== ''
    };
    number += 1;
    return role;
  });
}

/**
 * `tags` with the cell made a step (`name` given: `step:<name>`, `''`:
 * a bare `step`) or made no step (`null`). Other tags are kept in order;
 * a step is never also the parameters cell.
 */
export function withStep(
  tags: ReadonlyArray<string>,
  name: string | null
): string[] {
  const kept = tags.filter(tag => !isStepTag(tag));
  if (name === null) {
    return kept;
  }
  return [
    ...kept.filter(tag => tag !== PARAMETERS_TAG),
    name ? `${STEP_TAG}:${name}` : STEP_TAG
  ];
}

/** `tags` with the cell made the parameters cell (never also a step). */
export function withParameters(tags: ReadonlyArray<string>): string[] {
  const kept = tags.filter(tag => !isStepTag(tag) && tag !== PARAMETERS_TAG);
  return [...kept, PARAMETERS_TAG];
}

/**
 * The job a notebook belongs to: the job whose notebooks list it. `path` is
 * relative to the server root, as documents' paths are.
 */
export function jobOfNotebook(
  jobs: ReadonlyArray<Job>,
  path: string
): Job | undefined {
  const wanted = PathExt.normalize(path);
  return jobs.find(job =>
    job.notebooks.some(notebook => PathExt.join(job.path, notebook) === wanted)
  );
}

/** Where a notebook's steps stand in its job. */
export interface INotebookPlace {
  /** The job the notebook belongs to. */
  job: Job;
  /** The notebook as the job lists it (relative to the job folder). */
  notebook: string;
  /** The number of the notebook's first step: steps count across the job's notebooks. */
  firstNumber: number;
  /** The job's steps in its other notebooks, as the server named them. */
  otherSteps: Step[];
}

/**
 * Where the notebook at `path` stands in its job, or `undefined` when no job
 * lists it. Steps of the notebooks listed before it come first, so its own
 * steps are numbered after them, as the server's job model numbers them.
 */
export function notebookPlace(
  jobs: ReadonlyArray<Job>,
  path: string
): INotebookPlace | undefined {
  const job = jobOfNotebook(jobs, path);
  if (job === undefined) {
    return undefined;
  }
  const wanted = PathExt.normalize(path);
  const order = job.notebooks.map(notebook => PathExt.join(job.path, notebook));
  const index = order.indexOf(wanted);
  const notebook = job.notebooks[index];
  const earlier = new Set(job.notebooks.slice(0, index));
  return {
    job,
    notebook,
    firstNumber:
      1 + job.steps.filter(step => earlier.has(step.notebook)).length,
    otherSteps: job.steps.filter(step => step.notebook !== notebook)
  };
}

/** Why a step name cannot be used. */
export type StepNameProblem =
  | { kind: 'invalid'; name: string }
  | {
      kind: 'taken';
      name: string;
      /** The notebook of the step that has the name, `null` for this one. */
      notebook: string | null;
    };

/**
 * Why the step at `cellIndex` of a notebook whose cells have `roles` cannot
 * be named `name` (`''`: a bare `step`, named `step-<number>`), or `null`
 * when it can. A name must follow the server's rule and be unused by the
 * job's other steps, in this notebook and in `otherSteps`.
 */
export function stepNameProblem(
  name: string,
  cellIndex: number,
  roles: ReadonlyArray<CellRole>,
  otherSteps: ReadonlyArray<Step> = []
): StepNameProblem | null {
  const own = roles[cellIndex];
  const effective =
    name || (own?.kind === 'step' ? `${STEP_TAG}-${own.number}` : '');
  if (name && !STEP_NAME.test(name)) {
    return { kind: 'invalid', name };
  }
  const here = roles.some(
    (role, index) =>
      index !== cellIndex && role.kind === 'step' && role.name === effective
  );
  if (here) {
    return { kind: 'taken', name: effective, notebook: null };
  }
  const there = otherSteps.find(step => step.name === effective);
  if (there) {
    return { kind: 'taken', name: effective, notebook: there.notebook };
  }
  return null;
}
