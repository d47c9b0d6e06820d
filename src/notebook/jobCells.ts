/**
 * Which cells of a notebook are a job's steps and parameters, read from
 * their tags exactly as the job model on the server reads them
 * (`dataops_jupyter/jobs/notebook.py`), and which job a notebook belongs to.
 */
import { PathExt } from '@jupyterlab/coreutils';

import { Job } from '../types';

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
