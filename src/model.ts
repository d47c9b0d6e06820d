import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';

import { DataOpsRequestError } from './request';
import { DataOpsService } from './service';
import { IDataJobsModel } from './tokens';
import { Arguments, InvalidJob, Job, Run, isActiveRun } from './types';

/** Default poll interval while a run is queued or running (ms). */
export const FAST_POLL_INTERVAL = 1000;

/** Default poll interval when no run is active (ms). */
export const SLOW_POLL_INTERVAL = 10000;

/** Default number of runs kept per job. */
export const RUNS_PER_JOB = 5;

/** Longest wait between polls while the server keeps failing (ms). */
const MAX_POLL_INTERVAL = 60000;

/**
 * Jobs, invalid job folders and recent runs per job, refreshed by a poll
 * that is fast while a run is active, slow otherwise, and stopped while the
 * data is not on screen.
 */
export class DataJobsModel implements IDataJobsModel {
  constructor(options: DataJobsModel.IOptions = {}) {
    this.service = options.service ?? new DataOpsService();
    this._fastInterval = options.fastInterval ?? FAST_POLL_INTERVAL;
    this._slowInterval = options.slowInterval ?? SLOW_POLL_INTERVAL;
    this._runsPerJob = options.runsPerJob ?? RUNS_PER_JOB;
    this._poll = new Poll({
      auto: false,
      factory: () => this._load(),
      frequency: {
        interval: this._slowInterval,
        backoff: true,
        max: Math.max(MAX_POLL_INTERVAL, this._slowInterval)
      },
      name: 'dataops-jupyter:jobs',
      standby: 'when-hidden'
    });
  }

  readonly service: DataOpsService;

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get jobs(): ReadonlyArray<Job> {
    return this._jobs;
  }

  get invalid(): ReadonlyArray<InvalidJob> {
    return this._invalid;
  }

  get hasLoaded(): boolean {
    return this._hasLoaded;
  }

  get error(): string | null {
    return this._error;
  }

  get hasActiveRuns(): boolean {
    for (const runs of this._runs.values()) {
      if (runs.some(isActiveRun)) {
        return true;
      }
    }
    return false;
  }

  get isPolling(): boolean {
    return this._visible && !this.isDisposed;
  }

  get pollInterval(): number {
    return this._poll.frequency.interval;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  runs(job: string): ReadonlyArray<Run> {
    return this._runs.get(job) ?? [];
  }

  async refresh(): Promise<void> {
    if (this.isDisposed) {
      return;
    }
    try {
      await this._load();
    } catch {
      // The failure is kept in `error` and shown by the views.
    }
    this._reschedule();
  }

  async runJob(name: string, args?: Arguments): Promise<Run> {
    const run = await this.service.startRun(name, args);
    this._putRun(run);
    return run;
  }

  async cancelRun(runId: string): Promise<Run> {
    const run = await this.service.cancelRun(runId);
    this._putRun(run);
    return run;
  }

  setVisible(visible: boolean): void {
    if (this.isDisposed || visible === this._visible) {
      return;
    }
    this._visible = visible;
    if (visible) {
      // Loads at once, then keeps polling.
      void this._poll.start();
    } else {
      void this._poll.stop();
    }
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._visible = false;
    this._poll.dispose();
    Signal.clearData(this);
  }

  /**
   * Load jobs and the recent runs of each job.
   *
   * Rejects on failure so that the poll backs off.
   */
  private async _load(): Promise<void> {
    const generation = ++this._generation;
    try {
      const { jobs, invalid } = await this.service.listJobs();
      const runs = await Promise.all(
        jobs.map(job =>
          this.service.listRuns({ job: job.name, limit: this._runsPerJob })
        )
      );
      if (generation !== this._generation || this.isDisposed) {
        // A newer load started meanwhile: its answer wins.
        return;
      }
      this._jobs = jobs;
      this._invalid = invalid;
      this._runs = new Map(jobs.map((job, i) => [job.name, runs[i]]));
      this._error = null;
    } catch (error) {
      if (generation !== this._generation || this.isDisposed) {
        return;
      }
      this._error = describeError(error);
      throw error;
    } finally {
      if (generation === this._generation && !this.isDisposed) {
        this._hasLoaded = true;
        this._updateFrequency();
        this._changed.emit();
      }
    }
  }

  /** Add a run, or replace it by its id, keeping runs newest first. */
  private _putRun(run: Run): void {
    if (this.isDisposed) {
      return;
    }
    const runs = (this._runs.get(run.job) ?? []).filter(
      r => r.run_id !== run.run_id
    );
    runs.push(run);
    runs.sort(newestFirst);
    this._runs.set(run.job, runs.slice(0, this._runsPerJob));
    // Answers of loads started before this change are stale.
    this._generation++;
    this._updateFrequency();
    this._changed.emit();
    this._reschedule();
  }

  private _updateFrequency(): void {
    const interval = this.hasActiveRuns
      ? this._fastInterval
      : this._slowInterval;
    this._poll.frequency = { ...this._poll.frequency, interval };
  }

  /** Restart the poll's countdown with the current interval. */
  private _reschedule(): void {
    if (this.isPolling) {
      void this._poll.schedule({
        interval: this.pollInterval,
        phase: 'refreshed'
      });
    }
  }

  private _changed = new Signal<this, void>(this);
  private _error: string | null = null;
  private _fastInterval: number;
  private _generation = 0;
  private _hasLoaded = false;
  private _invalid: InvalidJob[] = [];
  private _isDisposed = false;
  private _jobs: Job[] = [];
  private _poll: Poll;
  private _runs = new Map<string, Run[]>();
  private _runsPerJob: number;
  private _slowInterval: number;
  private _visible = false;
}

export namespace DataJobsModel {
  export interface IOptions {
    /** The REST client; one with the page's server settings by default. */
    service?: DataOpsService;
    /** Poll interval while a run is active (ms). */
    fastInterval?: number;
    /** Poll interval when no run is active (ms). */
    slowInterval?: number;
    /** How many recent runs to keep per job. */
    runsPerJob?: number;
  }
}

/** Order of runs by creation time, newest first. */
function newestFirst(a: Run, b: Run): number {
  const byTime = Date.parse(b.created_at) - Date.parse(a.created_at);
  return byTime !== 0 && !isNaN(byTime)
    ? byTime
    : b.run_id.localeCompare(a.run_id);
}

/** A message for people from any error the API calls throw. */
export function describeError(error: unknown): string {
  if (error instanceof DataOpsRequestError) {
    return error.message;
  }
  if (error instanceof Error) {
    return error.message;
  }
  return String(error);
}
