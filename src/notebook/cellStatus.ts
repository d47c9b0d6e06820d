/**
 * What a run did on each step cell of a notebook: the steps of a run (or an
 * execution) matched to the notebook's cells, and the words each cell's
 * badge row shows (status, duration, rows, contract checks, error).
 */
import { TranslationBundle } from '@jupyterlab/translation';

import { countChecks } from '../checks';
import { formatDuration } from '../components/RunList';
import { StepResult, StepStatus } from '../types';

/** One cell as the matching sees it: its id, and its step name if it is a step. */
export interface ICellKey {
  id: string;
  /** The step name the cell has now; null for a cell that is no step. */
  step: string | null;
}

/**
 * The step of `steps` that ran each of a notebook's cells, or null. A step
 * is matched by its cell's id in `notebook` (the notebook as the job lists
 * it); a step cell no step has the id of (e.g. the notebook was edited
 * elsewhere) gets the step of its name that matched no other cell.
 */
export function stepsOfCells(
  steps: ReadonlyArray<StepResult>,
  notebook: string,
  cells: ReadonlyArray<ICellKey>
): (StepResult | null)[] {
  const own = steps.filter(step => step.notebook === notebook);
  const byId = new Map(own.filter(s => s.cell_id).map(s => [s.cell_id, s]));
  const found = cells.map(cell =>
    cell.step === null ? null : (byId.get(cell.id) ?? null)
  );
  const claimed = new Set(found.filter(step => step !== null));
  return found.map((step, index) => {
    const name = cells[index].step;
    if (step !== null || name === null) {
      return step;
    }
    const byName = own.find(s => s.name === name && !claimed.has(s));
    if (byName) {
      claimed.add(byName);
    }
    return byName ?? null;
  });
}

/** What a step cell shows of the selected run. */
export interface ICellStatusView {
  /** The step's status; `none` when the run has no step for the cell. */
  status: StepStatus | 'none';
  /** The status in words. */
  label: string;
  /** `1.2 s`; empty while unknown. */
  duration: string;
  /** `1,000 rows` (and `, 3 rejected`); empty when the step loaded nothing. */
  rows: string;
  /** `checks 8/9`; empty when no contract checked the step's tables. */
  checks: string;
  /** Whether a check failed or could not be evaluated. */
  checksFailed: boolean;
  /** `ValueError: first line of the message` for a failed step, else empty. */
  error: string;
}

/** The words of each step status. */
function statusLabel(
  status: StepStatus | 'none',
  trans: TranslationBundle
): string {
  switch (status) {
    case 'pending':
      return trans.__('pending');
    case 'running':
      return trans.__('running');
    case 'succeeded':
      return trans.__('succeeded');
    case 'failed':
      return trans.__('failed');
    case 'cancelled':
      return trans.__('cancelled');
    case 'skipped':
      return trans.__('skipped');
    default:
      return trans.__('not in this run');
  }
}

/** The first line of an error: `ename: first line of evalue`. */
export function errorLine(error: { ename: string; evalue: string }): string {
  const first = error.evalue.split('\n').find(line => line.trim()) ?? '';
  return first ? `${error.ename}: ${first.trim()}` : error.ename;
}

/** What a step cell shows of `step` (null: the run has no step for the cell). */
export function cellStatusView(
  step: StepResult | null,
  trans: TranslationBundle
): ICellStatusView {
  const status = step?.status ?? 'none';
  const view: ICellStatusView = {
    status,
    label: statusLabel(status, trans),
    duration: '',
    rows: '',
    checks: '',
    checksFailed: false,
    error: ''
  };
  if (!step) {
    return view;
  }
  if (step.duration !== null && step.status !== 'pending') {
    view.duration = formatDuration(step.duration);
  }
  const ingested = step.rows_ingested ?? 0;
  const rejected = step.rows_rejected ?? 0;
  if (ingested > 0 || rejected > 0) {
    view.rows = trans._n(
      '%2 row',
      '%2 rows',
      ingested,
      ingested.toLocaleString('en-US')
    );
    if (rejected > 0) {
      view.rows = trans.__(
        '%1, %2 rejected',
        view.rows,
        rejected.toLocaleString('en-US')
      );
    }
  }
  if (step.checks.length > 0) {
    const counts = countChecks(step.checks);
    const broken = counts.failed + counts.error;
    view.checks = trans.__('checks %1/%2', counts.total - broken, counts.total);
    view.checksFailed = broken > 0;
  }
  if (step.status === 'failed' && step.error) {
    view.error = errorLine(step.error);
  } else if (step.status === 'failed' && step.reason) {
    view.error = step.reason;
  }
  return view;
}
