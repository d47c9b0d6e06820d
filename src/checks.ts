/**
 * What the contracts of a step's tables found, in words: the counts by
 * status, the one-line summary the sidebar shows, and the order of a report.
 */

import { TranslationBundle } from '@jupyterlab/translation';

import { translations } from './translation';
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
export function checksLine(
  checks: ReadonlyArray<CheckResult>,
  trans: TranslationBundle = translations()
): string {
  return trans.__('contract: %1', checksSummary(checks, trans));
}

/** `2 of 9 checks failed` or `9 checks passed, 1 warning`: the line without its `contract:`. */
export function checksSummary(
  checks: ReadonlyArray<CheckResult>,
  trans: TranslationBundle = translations()
): string {
  const counts = countChecks(checks);
  const broken = counts.failed + counts.error;
  const line =
    broken > 0
      ? trans._n(
          '%2 of %1 check failed',
          '%2 of %1 checks failed',
          counts.total,
          broken
        )
      : trans._n('%1 check passed', '%1 checks passed', counts.total);
  if (counts.warning > 0) {
    return trans._n('%2, %1 warning', '%2, %1 warnings', counts.warning, line);
  }
  return line;
}

/** A count of checks in one status: `7 passed`, `2 warnings`. */
function statusCount(
  status: CheckStatus,
  count: number,
  trans: TranslationBundle
): string {
  switch (status) {
    case 'passed':
      return trans._n('%1 passed', '%1 passed', count);
    case 'warning':
      return trans._n('%1 warning', '%1 warnings', count);
    case 'failed':
      return trans._n('%1 failed', '%1 failed', count);
    case 'error':
      return trans._n('%1 error', '%1 errors', count);
    case 'skipped':
      return trans._n('%1 skipped', '%1 skipped', count);
  }
  return `${count} ${status}`;
}

/** `7 passed · 1 warning · 1 failed`: the statuses that occur, in report order. */
export function countsLine(
  counts: CheckCounts,
  trans: TranslationBundle = translations()
): string {
  return CHECK_STATUS_ORDER.filter(status => counts[status] > 0)
    .map(status => statusCount(status, counts[status], trans))
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
export function formatMeasured(
  check: CheckResult,
  trans: TranslationBundle = translations()
): string {
  const value = check.measured;
  if (value === null || value === undefined || value === '') {
    return EMPTY_VALUE;
  }
  if (check.unit === 'rows' && typeof value === 'number') {
    return trans._n('%1 row', '%1 rows', value);
  }
  if (check.unit === 'percent') {
    return trans.__('%1 %%', value);
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

/** The word for a check's status, in the bundle's language. */
export function checkStatusLabel(
  status: CheckStatus,
  trans: TranslationBundle = translations()
): string {
  switch (status) {
    case 'passed':
      return trans.__('passed');
    case 'warning':
      return trans.__('warning');
    case 'failed':
      return trans.__('failed');
    case 'error':
      return trans.__('error');
    case 'skipped':
      return trans.__('skipped');
  }
  return status;
}
