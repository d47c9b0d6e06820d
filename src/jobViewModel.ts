import { TranslationBundle } from '@jupyterlab/translation';

import {
  HistoryFilter,
  HistorySideName,
  IHistorySide,
  IMergedHistory,
  filterStatuses,
  mergeHistory
} from './jobHistory';
import { PollingModel } from './pollingModel';
import { DataOpsRequestError } from './request';
import { translations } from './translation';
import { Execution, ExecutionList, Job, Run, RunPage } from './types';

/** Runs and executions asked for per page. */
export const HISTORY_PAGE = 20;

/** The most items one page may hold (the server's limit). */
const MAX_PAGE = 500;

/**
 * How long the poll goes without asking for the executions of a job the
 * control service does not have (ms); a refresh asks at once.
 */
export const NOT_DEPLOYED_RECHECK = 60000;

/**
 * One job for the job view: its steps and one history of its local runs and
 * its executions on the control service, by pages, filtered by status.
 *
 * The poll reloads what is loaded (as many items of each side as its pages),
 * fast while a run or execution is in progress, and stops while hidden.
 */
export class JobViewModel extends PollingModel {
  constructor(name: string, options: JobViewModel.IOptions = {}) {
    super(`job-${name}`, options);
    this.name = name;
    this._trans = options.trans ?? translations();
    this._loadsJob = options.loadsJob ?? true;
  }

  /** The job's name. */
  readonly name: string;

  /** The job, once loaded. */
  get job(): Job | null {
    return this._job;
  }

  /** The shown history, newest first, and which side "Load more" loads. */
  get history(): IMergedHistory {
    return mergeHistory(this._runs, this._executions);
  }

  /** Why executions are not part of the history (not deployed, no service). */
  get executionsNote(): string | null {
    return this._executionsNote;
  }

  get filter(): HistoryFilter {
    return this._filter;
  }

  /** Whether a "Load more" is under way. */
  get isLoadingMore(): boolean {
    return this._loadingMore;
  }

  /**
   * Load again now, the executions too (also of a job the control service
   * did not have at the last poll: it may be deployed since).
   */
  refresh(): Promise<void> {
    this._notDeployedUntil = 0;
    return super.refresh();
  }

  /** Show only the runs and executions that ended (or are) as `filter` says. */
  setFilter(filter: HistoryFilter): Promise<void> {
    if (filter === this._filter) {
      return Promise.resolve();
    }
    this._filter = filter;
    this._runs = { items: [], cursor: null };
    this._executions = { items: [], cursor: null };
    this._wanted = { runs: HISTORY_PAGE, executions: HISTORY_PAGE };
    this.changedLocally();
    return this.refresh();
  }

  /**
   * Load the next page of the side the history needs next; rejects with the
   * server's message, which is also kept in `error`.
   */
  async loadMore(): Promise<void> {
    const side = this.history.next;
    if (!side || this._loadingMore) {
      return;
    }
    this._loadingMore = true;
    this.emitChanged();
    const filter = this._filter;
    this._wanted[side] += HISTORY_PAGE;
    try {
      if (side === 'runs') {
        const page = await this._fetchRuns(HISTORY_PAGE, this._runs.cursor);
        if (filter === this._filter) {
          this._runs = append(this._runs, page.runs, page.next_cursor);
        }
      } else {
        const page = await this._fetchExecutions(
          HISTORY_PAGE,
          this._executions.cursor
        );
        if (filter === this._filter) {
          this._executions = append(
            this._executions,
            page.executions,
            page.next_cursor
          );
        }
      }
    } finally {
      this._loadingMore = false;
      this.changedLocally();
    }
  }

  protected get isBusy(): boolean {
    return this.history.entries.some(entry => entry.outcome === 'active');
  }

  protected async fetch(): Promise<() => void> {
    // As many as the pages loaded so far hold: the answer's cursor then says
    // whether there are more, as it did for the pages.
    const runsLimit = Math.min(MAX_PAGE, this._wanted.runs);
    const executionsLimit = Math.min(MAX_PAGE, this._wanted.executions);
    const [job, runs, executions] = await Promise.all([
      this._loadsJob ? this.service.getJob(this.name) : Promise.resolve(null),
      this._fetchRuns(runsLimit, null),
      this._fetchExecutions(executionsLimit, null)
    ]);
    return () => {
      this._job = job;
      this._runs = { items: runs.runs, cursor: runs.next_cursor };
      this._executions = {
        items: executions.executions,
        cursor: executions.next_cursor
      };
    };
  }

  private _fetchRuns(limit: number, before: string | null): Promise<RunPage> {
    return this.service.listJobRuns(this.name, {
      limit,
      before: before ?? undefined,
      status: filterStatuses(this._filter).runs
    });
  }

  /**
   * A page of the job's executions; an empty last page when the job is not
   * on the control service or there is none (`executionsNote` says why).
   */
  private async _fetchExecutions(
    limit: number,
    before: string | null
  ): Promise<ExecutionList> {
    if (Date.now() < this._notDeployedUntil) {
      // Still not deployed, most likely: the poll does not ask every time.
      return { executions: [], next_cursor: null };
    }
    try {
      const page = await this.service.listExecutions(this.name, {
        limit,
        before: before ?? undefined,
        status: filterStatuses(this._filter).executions
      });
      this._executionsNote = null;
      this._notDeployedUntil = 0;
      return page;
    } catch (error) {
      if (!(error instanceof DataOpsRequestError)) {
        throw error;
      }
      if (error.status === 404) {
        this._notDeployedUntil = Date.now() + NOT_DEPLOYED_RECHECK;
        this._executionsNote = this._trans.__(
          'Not deployed: only local runs are shown.'
        );
      } else if (error.status === 503) {
        this._executionsNote = this._trans.__(
          'Executions are not shown: %1',
          error.message
        );
      } else {
        throw error;
      }
      return { executions: [], next_cursor: null };
    }
  }

  private _executions: IHistorySide<Execution> = { items: [], cursor: null };
  private _executionsNote: string | null = null;
  private _filter: HistoryFilter = 'all';
  private _trans: TranslationBundle;

  private _job: Job | null = null;
  private _loadingMore = false;
  private _loadsJob: boolean;
  /** Until when (ms) the poll takes the job for not deployed without asking. */
  private _notDeployedUntil = 0;
  private _runs: IHistorySide<Run> = { items: [], cursor: null };
  /** How many items of each side the pages loaded so far asked for. */
  private _wanted: { [side in HistorySideName]: number } = {
    runs: HISTORY_PAGE,
    executions: HISTORY_PAGE
  };
}

/** A side with the next page added (an item already there is not twice). */
function append<T extends Run | Execution>(
  side: IHistorySide<T>,
  items: ReadonlyArray<T>,
  cursor: string | null
): IHistorySide<T> {
  const idOf = (item: T) => ('run_id' in item ? item.run_id : item.id);
  const known = new Set(side.items.map(idOf));
  return {
    items: [...side.items, ...items.filter(item => !known.has(idOf(item)))],
    cursor
  };
}

export namespace JobViewModel {
  export interface IOptions extends PollingModel.IOptions {
    trans?: TranslationBundle;
    /**
     * Whether each load asks for the job too (its steps, for the job view);
     * a view that has the job from the jobs model need not.
     */
    loadsJob?: boolean;
  }
}
