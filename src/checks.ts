/**
 * What the contracts of a step's tables found, in words: the counts by
 * status, the one-line summary the sidebar shows, and the order of a report.
 */

import { CheckResult, CheckStatus } from './types';

/** Statuses in the order a report lists them: what needs a look first. */
export const CHECK_STATUS_ORDER: ReadonlyArray<CheckStatus> = [
  'failed',
  'warning',
  'error',
  'passed',
  'skipped'
];

/** How many checks ended in each status, and in all. */
export type CheckCounts = { [status in CheckStatus]: number } & {
  total: number;
};

/** The counts of a list of results by status (mirrors `CheckSummary.of`). */
export function countChecks(checks: ReadonlyArray<CheckResult>): CheckCounts {
  const counts: CheckCounts = {
    total: checks.length,
    passed: 0,
    warning: 0,
    failed: 0,
    error: 0,
    skipped: 0
  };
  for (const check of checks) {
    counts[check.status] += 1;
  }
  return counts;
}

/** `failed`: a rule failed or could not be evaluated; `warning`; or `passed`. */
export type ChecksState = 'failed' | 'warning' | 'passed';

/** The state of a step's checks as a whole. */
export function checksState(checks: ReadonlyArray<CheckResult>): ChecksState {
  const counts = countChecks(checks);
  if (counts.failed + counts.error > 0) {
    return 'failed';
  }
  return counts.warning > 0 ? 'warning' : 'passed';
}

/**
 * `contract: 2 of 9 checks failed`, `contract: 9 checks passed, 1 warning`
 * or `contract: 9 checks passed`: the words the kernel shows under a cell.
 */
export function checksLine(checks: ReadonlyArray<CheckResult>): string {
  const counts = countChecks(checks);
  const broken = counts.failed + counts.error;
  const noun = counts.total === 1 ? 'check' : 'checks';
  let line =
    broken > 0
      ? `contract: ${broken} of ${counts.total} checks failed`
      : `contract: ${counts.total} ${noun} passed`;
  if (counts.warning > 0) {
    line += `, ${counts.warning} warning${counts.warning === 1 ? '' : 's'}`;
  }
  return line;
}

/** `7 passed · 1 warning · 1 failed`: the statuses that occur, in report order. */
export function countsLine(counts: CheckCounts): string {
  return CHECK_STATUS_ORDER.filter(status => counts[status] > 0)
    .map(status => `${counts[status]} ${status}`)
    .join(' · ');
}

/**
 * The results in report order: failed, warnings, errors, passed, skipped;
 * in the order the engine gave them within one status.
 */
export function sortChecks(checks: ReadonlyArray<CheckResult>): CheckResult[] {
  const rank = (check: CheckResult) => CHECK_STATUS_ORDER.indexOf(check.status);
  return checks
    .map((check, index) => ({ check, index }))
    .sort((a, b) => rank(a.check) - rank(b.check) || a.index - b.index)
    .map(({ check }) => check);
}

/** The tables the results are about, in the order first checked. */
export function checkedTables(checks: ReadonlyArray<CheckResult>): string[] {
  return [...new Set(checks.map(check => check.table))];
}

/** What a cell shows for an empty or missing value. */
export const EMPTY_VALUE = '—';

/** A measured figure with its unit: `3 rows`, `12.5 %`, or `—`. */
export function formatMeasured(check: CheckResult): string {
  const value = check.measured;
  if (value === null || value === undefined || value === '') {
    return EMPTY_VALUE;
  }
  if (check.unit === 'rows' && typeof value === 'number') {
    return `${value} ${value === 1 ? 'row' : 'rows'}`;
  }
  if (check.unit === 'percent') {
    return `${value} %`;
  }
  return String(value);
}

/** A value of a sample row as text: JSON for lists and objects, `—` for none. */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined || value === '') {
    return EMPTY_VALUE;
  }
  if (typeof value === 'object') {
    return JSON.stringify(value);
  }
  return String(value);
}

/** The columns of sample rows: every key, in the order first seen. */
export function sampleColumns(
  samples: ReadonlyArray<{ [column: string]: unknown }>
): string[] {
  const columns: string[] = [];
  for (const row of samples) {
    for (const key of Object.keys(row)) {
      if (!columns.includes(key)) {
        columns.push(key);
      }
    }
  }
  return columns;
}
