import {
  IHistorySide,
  entryKey,
  filterStatuses,
  mergeHistory
} from '../jobHistory';
import { Execution, Run } from '../types';
import { makeExecution, makeRun, makeStep, makeStepError } from './fixtures';

/** `20240501T1000SS-…`-like ids whose time is `second`s after 10:00. */
const at = (second: number) =>
  `2024-05-01T10:${String(Math.floor(second / 60)).padStart(2, '0')}:${String(
    second % 60
  ).padStart(2, '0')}Z`;
const id = (second: number, tag: string) =>
  `20240501T10${String(Math.floor(second / 60)).padStart(2, '0')}${String(
    second % 60
  ).padStart(2, '0')}-${tag}`;

const run = (second: number) =>
  makeRun('orders', id(second, 'aaaaaaaa'), 'succeeded', {
    created_at: at(second)
  });
const execution = (second: number) =>
  makeExecution('orders', id(second, 'bbbbbbbb'), 'succeeded', {
    created_at: at(second)
  });

/** A server side: pages of `size` items older than the cursor, newest first. */
function pager<T>(all: T[], idOf: (item: T) => string, size: number) {
  return (before: string | null): IHistorySide<T> => {
    const older = before ? all.filter(item => idOf(item) < before) : all;
    const items = older.slice(0, size);
    return {
      items,
      cursor: items.length === size ? idOf(items[items.length - 1]) : null
    };
  };
}

describe('mergeHistory', () => {
  it('merges runs and executions newest first and holds back what a page may still hide', () => {
    const runs = { items: [run(50), run(40)], cursor: id(40, 'aaaaaaaa') };
    const executions = { items: [execution(45), execution(10)], cursor: null };
    const merged = mergeHistory(runs, executions);
    // The execution at :10 waits: runs between :40 and :10 are not loaded yet.
    expect(merged.entries.map(entryKey)).toEqual([
      `run:${id(50, 'aaaaaaaa')}`,
      `execution:${id(45, 'bbbbbbbb')}`,
      `run:${id(40, 'aaaaaaaa')}`
    ]);
    expect(merged.next).toBe('runs');
  });

  it('asks for the side whose oldest loaded entry is the newest', () => {
    const runs = { items: [run(50)], cursor: id(50, 'aaaaaaaa') };
    const executions = { items: [execution(55)], cursor: id(55, 'bbbbbbbb') };
    const merged = mergeHistory(runs, executions);
    expect(merged.next).toBe('executions');
    expect(merged.entries.map(entry => entry.id)).toEqual([id(55, 'bbbbbbbb')]);
  });

  it('shows every run and execution exactly once, in order, page by page', () => {
    const runSeconds = [300, 290, 200, 199, 120, 60, 5];
    const executionSeconds = [295, 250, 240, 230, 100, 4, 3, 2];
    const allRuns = runSeconds.map(run);
    const allExecutions = executionSeconds.map(execution);
    const runPage = pager<Run>(allRuns, r => r.run_id, 2);
    const executionPage = pager<Execution>(allExecutions, e => e.id, 3);
    const expected = [...runSeconds, ...executionSeconds]
      .sort((a, b) => b - a)
      .map(second =>
        runSeconds.includes(second)
          ? `run:${id(second, 'aaaaaaaa')}`
          : `execution:${id(second, 'bbbbbbbb')}`
      );

    let runs = runPage(null);
    let executions = executionPage(null);
    let merged = mergeHistory(runs, executions);
    let loads = 0;
    let shown = 0;
    while (merged.next) {
      const keys = merged.entries.map(entryKey);
      // What is shown is always the newest part of the whole history.
      expect(keys).toEqual(expected.slice(0, keys.length));
      expect(keys.length).toBeGreaterThanOrEqual(shown);
      shown = keys.length;
      if (merged.next === 'runs') {
        const page = runPage(runs.cursor);
        runs = { items: [...runs.items, ...page.items], cursor: page.cursor };
      } else {
        const page = executionPage(executions.cursor);
        executions = {
          items: [...executions.items, ...page.items],
          cursor: page.cursor
        };
      }
      merged = mergeHistory(runs, executions);
      expect(++loads).toBeLessThan(20);
    }
    expect(merged.entries.map(entryKey)).toEqual(expected);
  });

  it('makes rows of runs and executions with their duration and failed step', () => {
    const failedRun = makeRun('orders', id(9, 'aaaaaaaa'), 'failed', {
      created_at: at(9),
      duration: 2.5,
      error: makeStepError('load', 'orders.ipynb', 2, 'ValueError', 'x'),
      steps: [makeStep('extract', 'succeeded'), makeStep('load', 'failed')]
    });
    const failedExecution = makeExecution(
      'orders',
      id(8, 'bbbbbbbb'),
      'user_error',
      {
        created_at: at(8),
        started_at: '2024-05-01T10:00:08Z',
        finished_at: '2024-05-01T10:00:11Z',
        steps: [makeStep('extract', 'failed')]
      }
    );
    const running = makeExecution('orders', id(20, 'bbbbbbbb'), 'running', {
      created_at: at(20)
    });
    const { entries } = mergeHistory(
      { items: [failedRun], cursor: null },
      { items: [running, failedExecution], cursor: null }
    );
    expect(
      entries.map(e => [e.kind, e.status, e.outcome, e.duration, e.failedStep])
    ).toEqual([
      ['execution', 'running', 'active', null, null],
      ['run', 'failed', 'failed', 2.5, 'load'],
      ['execution', 'user_error', 'failed', 3, 'extract']
    ]);
  });
});

describe('filterStatuses', () => {
  it('asks each side for its own statuses of a filter', () => {
    expect(filterStatuses('all')).toEqual({ runs: [], executions: [] });
    expect(filterStatuses('failed')).toEqual({
      runs: ['failed', 'timed_out'],
      executions: ['user_error', 'platform_error']
    });
    expect(filterStatuses('active')).toEqual({
      runs: ['queued', 'running'],
      executions: ['submitted', 'running']
    });
    expect(filterStatuses('other')).toEqual({
      runs: ['cancelled'],
      executions: ['cancelled', 'skipped']
    });
  });
});
