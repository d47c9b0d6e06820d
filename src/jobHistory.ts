import { executionDuration, failingStep } from './components/ExecutionList';
import {
  Execution,
  ExecutionStatus,
  Run,
  RunStatus,
  StepResult
} from './types';

/** What the status filter of a job's history offers, across runs and executions. */
export type HistoryFilter = 'all' | 'succeeded' | 'failed' | 'active' | 'other';

/** The filters in the order the view offers them. */
export const HISTORY_FILTERS: ReadonlyArray<HistoryFilter> = [
  'all',
  'succeeded',
  'failed',
  'active',
  'other'
];

/** How a run or an execution ended, in the four kinds the charts colour. */
export type HistoryOutcome = Exclude<HistoryFilter, 'all'>;

const RUN_OUTCOMES: { [status in RunStatus]: HistoryOutcome } = {
  queued: 'active',
  running: 'active',
  succeeded: 'succeeded',
  failed: 'failed',
  timed_out: 'failed',
  cancelled: 'other'
};

const EXECUTION_OUTCOMES: { [status in ExecutionStatus]: HistoryOutcome } = {
  submitted: 'active',
  running: 'active',
  succeeded: 'succeeded',
  user_error: 'failed',
  platform_error: 'failed',
  cancelled: 'other',
  skipped: 'other'
};

/** The statuses of each side that a filter asks the server for; empty: all. */
export function filterStatuses(filter: HistoryFilter): {
  runs: RunStatus[];
  executions: ExecutionStatus[];
} {
  const pick = <S extends string>(outcomes: {
    [status in S]: HistoryOutcome;
  }) =>
    filter === 'all'
      ? []
      : (Object.keys(outcomes) as S[]).filter(s => outcomes[s] === filter);
  return { runs: pick(RUN_OUTCOMES), executions: pick(EXECUTION_OUTCOMES) };
}

/** One page-by-page loaded side of the history, newest first. */
export interface IHistorySide<T> {
  items: ReadonlyArray<T>;
  /** Where the next page starts (`before`); null when all is loaded. */
  cursor: string | null;
}

/** A local run or an execution, as one row of a job's history. */
export interface IHistoryEntry {
  kind: 'run' | 'execution';
  /** The run id or execution id. */
  id: string;
  /** The run's or execution's own status. */
  status: RunStatus | ExecutionStatus;
  outcome: HistoryOutcome;
  /** ISO 8601, UTC. */
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  /** Seconds, once it ended. */
  duration: number | null;
  /** The step that failed, if one did. */
  failedStep: string | null;
  steps: ReadonlyArray<StepResult>;
}

/** A local run as a history entry. */
export function runEntry(run: Run): IHistoryEntry {
  return {
    kind: 'run',
    id: run.run_id,
    status: run.status,
    outcome: RUN_OUTCOMES[run.status],
    created_at: run.created_at,
    started_at: run.started_at,
    finished_at: run.finished_at,
    duration: run.duration,
    failedStep:
      run.error?.step ??
      run.steps.find(step => step.status === 'failed')?.name ??
      null,
    steps: run.steps
  };
}

/** An execution as a history entry. */
export function executionEntry(execution: Execution): IHistoryEntry {
  return {
    kind: 'execution',
    id: execution.id,
    status: execution.status,
    outcome: EXECUTION_OUTCOMES[execution.status],
    created_at: execution.created_at,
    started_at: execution.started_at,
    finished_at: execution.finished_at,
    duration: executionDuration(execution),
    failedStep: failingStep(execution),
    steps: execution.steps
  };
}

/** Which side's next page the history needs to show more; null: none. */
export type HistorySideName = 'runs' | 'executions';

/** The merged history of a job: what can be shown, and what to load next. */
export interface IMergedHistory {
  /** Newest first: every loaded entry newer than what a side still lacks. */
  entries: IHistoryEntry[];
  /** The side whose next page comes next in time; null when all is loaded. */
  next: HistorySideName | null;
}

/** Newest first: by creation time, then by id (ids sort by time too). */
function newerFirst(a: IHistoryEntry, b: IHistoryEntry): number {
  const byTime = Date.parse(b.created_at) - Date.parse(a.created_at);
  return byTime !== 0 && !isNaN(byTime) ? byTime : b.id.localeCompare(a.id);
}

/**
 * Merge the loaded pages of a job's local runs and executions by time.
 *
 * An entry older than the oldest loaded entry of a side that has more pages
 * is held back: that side's next page may hold entries between them. So the
 * side to load next is the one whose oldest loaded entry is the newest of
 * those sides, and the shown history never has gaps.
 */
export function mergeHistory(
  runs: IHistorySide<Run>,
  executions: IHistorySide<Execution>
): IMergedHistory {
  const sides: {
    name: HistorySideName;
    entries: IHistoryEntry[];
    more: boolean;
  }[] = [
    {
      name: 'runs',
      entries: runs.items.map(runEntry),
      more: runs.cursor !== null
    },
    {
      name: 'executions',
      entries: executions.items.map(executionEntry),
      more: executions.cursor !== null
    }
  ];
  let limit: IHistoryEntry | null = null;
  let next: HistorySideName | null = null;
  for (const side of sides) {
    const oldest = side.entries[side.entries.length - 1];
    if (side.more && oldest && (!limit || newerFirst(oldest, limit) < 0)) {
      limit = oldest;
      next = side.name;
    }
  }
  const entries = ([] as IHistoryEntry[])
    .concat(...sides.map(side => side.entries))
    .filter(entry => !limit || newerFirst(entry, limit) <= 0)
    .sort(newerFirst);
  return { entries, next };
}

/** The key of an entry, unique across runs and executions. */
export function entryKey(entry: Pick<IHistoryEntry, 'kind' | 'id'>): string {
  return `${entry.kind}:${entry.id}`;
}
