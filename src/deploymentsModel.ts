import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';

import { FAST_POLL_INTERVAL, SLOW_POLL_INTERVAL, describeError } from './model';
import { DataOpsService } from './service';
import { IDeploymentsModel } from './tokens';
import {
  Arguments,
  ControlJob,
  ControlStatus,
  Deployment,
  Execution,
  isActiveExecution
} from './types';

/** Default number of executions kept per job. */
export const EXECUTIONS_PER_JOB = 5;

/** Longest wait between polls while the server keeps failing (ms). */
const MAX_POLL_INTERVAL = 60000;

/**
 * The team's jobs on the control service and their recent executions,
 * refreshed by a poll that is fast while an execution is active, slow
 * otherwise, and stopped while the data is not on screen.
 *
 * When the server has no control service (`features.control_service` is
 * false), `configured` is false and the model asks nothing of the service.
 */
export class DeploymentsModel implements IDeploymentsModel {
  constructor(options: DeploymentsModel.IOptions = {}) {
    this.service = options.service ?? new DataOpsService();
    this._fastInterval = options.fastInterval ?? FAST_POLL_INTERVAL;
    this._slowInterval = options.slowInterval ?? SLOW_POLL_INTERVAL;
    this._executionsPerJob = options.executionsPerJob ?? EXECUTIONS_PER_JOB;
    this._poll = new Poll({
      auto: false,
      factory: () => this._load(),
      frequency: {
        interval: this._slowInterval,
        backoff: true,
        max: Math.max(MAX_POLL_INTERVAL, this._slowInterval)
      },
      name: 'dataops-jupyter:deployments',
      standby: 'when-hidden'
    });
  }

  readonly service: DataOpsService;

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get configured(): boolean | null {
    return this._configured;
  }

  get status(): ControlStatus | null {
    return this._status;
  }

  get jobs(): ReadonlyArray<ControlJob> {
    return this._jobs;
  }

  get hasLoaded(): boolean {
    return this._hasLoaded;
  }

  get error(): string | null {
    return this._error;
  }

  get hasActiveExecutions(): boolean {
    for (const executions of this._executions.values()) {
      if (executions.some(isActiveExecution)) {
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

  job(name: string): ControlJob | undefined {
    return this._jobs.find(job => job.name === name);
  }

  executions(job: string): ReadonlyArray<Execution> {
    return this._executions.get(job) ?? [];
  }

  isDeploying(job: string): boolean {
    return this._deploying.has(job);
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

  async deploy(job: string, reason?: string): Promise<Deployment> {
    this._deploying.add(job);
    this._emit();
    try {
      const deployment = await this.service.deployJob(job, reason);
      // Show the new version at once, with its schedule and next runs.
      try {
        this._putJob(await this.service.getControlJob(job));
      } catch {
        await this.refresh();
      }
      return deployment;
    } finally {
      this._deploying.delete(job);
      this._emit();
    }
  }

  async setEnabled(job: string, enabled: boolean): Promise<ControlJob> {
    const updated = await this.service.setJobEnabled(job, enabled);
    this._putJob(updated);
    return updated;
  }

  async activate(job: string, version: number): Promise<ControlJob> {
    const updated = await this.service.activateDeployment(job, version);
    this._putJob(updated);
    return updated;
  }

  async execute(job: string, args?: Arguments): Promise<Execution> {
    const execution = await this.service.startExecution(job, args);
    this._putExecution(execution);
    return execution;
  }

  async cancelExecution(job: string, execution: string): Promise<Execution> {
    const updated = await this.service.cancelExecution(job, execution);
    this._putExecution(updated);
    return updated;
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
   * Load the jobs on the control service, the next runs of the scheduled
   * ones and the recent executions of the deployed ones.
   *
   * Rejects on failure so that the poll backs off.
   */
  private async _load(): Promise<void> {
    const generation = ++this._generation;
    const isStale = () => generation !== this._generation || this.isDisposed;
    try {
      if (this._configured !== true) {
        const config = await this.service.getConfig();
        if (isStale()) {
          return;
        }
        this._configured = config.features.control_service;
        if (!this._configured) {
          this._jobs = [];
          this._executions = new Map();
          this._error = null;
          return;
        }
      }
      // The status only explains things: a failure to get it is no error.
      const status =
        this._status === null || this._error !== null
          ? this.service.getControlStatus().catch(() => this._status)
          : Promise.resolve(this._status);
      const jobs = await this.service.listControlJobs();
      const loaded = await Promise.all(jobs.map(job => this._loadJob(job)));
      const newStatus = await status;
      if (isStale()) {
        // A newer load or a change started meanwhile: its answer wins.
        return;
      }
      this._status = newStatus;
      this._jobs = loaded.map(([job]) => job);
      this._executions = new Map(
        loaded.map(([job, executions]) => [job.name, executions])
      );
      this._error = null;
    } catch (error) {
      if (isStale()) {
        return;
      }
      this._error = describeError(error);
      throw error;
    } finally {
      if (!isStale()) {
        this._hasLoaded = true;
        this._updateFrequency();
        this._changed.emit();
      }
    }
  }

  /** The details (next runs) and recent executions of one job. */
  private async _loadJob(job: ControlJob): Promise<[ControlJob, Execution[]]> {
    if (job.active_version === null) {
      // Created on the service, but no version was ever deployed.
      return [job, []];
    }
    const scheduled = job.enabled && job.schedule !== null;
    const [detail, list] = await Promise.all([
      scheduled ? this.service.getControlJob(job.name) : job,
      this.service.listExecutions(job.name, { limit: this._executionsPerJob })
    ]);
    return [detail, list.executions];
  }

  /** Add a job, or replace it by its name, keeping jobs sorted by name. */
  private _putJob(job: ControlJob): void {
    if (this.isDisposed) {
      return;
    }
    const jobs = this._jobs.filter(j => j.name !== job.name);
    jobs.push(job);
    jobs.sort((a, b) => a.name.localeCompare(b.name));
    this._jobs = jobs;
    if (!this._executions.has(job.name)) {
      this._executions.set(job.name, []);
    }
    this._changedLocally();
  }

  /** Add an execution, or replace it by its id, keeping them newest first. */
  private _putExecution(execution: Execution): void {
    if (this.isDisposed) {
      return;
    }
    const executions = (this._executions.get(execution.job) ?? []).filter(
      e => e.id !== execution.id
    );
    executions.push(execution);
    executions.sort(newestFirst);
    this._executions.set(
      execution.job,
      executions.slice(0, this._executionsPerJob)
    );
    this._changedLocally();
  }

  private _changedLocally(): void {
    // Answers of loads started before this change are stale.
    this._generation++;
    this._updateFrequency();
    this._changed.emit();
    this._reschedule();
  }

  private _emit(): void {
    if (!this.isDisposed) {
      this._changed.emit();
    }
  }

  private _updateFrequency(): void {
    const interval = this.hasActiveExecutions
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
  private _configured: boolean | null = null;
  private _deploying = new Set<string>();
  private _error: string | null = null;
  private _executions = new Map<string, Execution[]>();
  private _executionsPerJob: number;
  private _fastInterval: number;
  private _generation = 0;
  private _hasLoaded = false;
  private _isDisposed = false;
  private _jobs: ControlJob[] = [];
  private _poll: Poll;
  private _slowInterval: number;
  private _status: ControlStatus | null = null;
  private _visible = false;
}

export namespace DeploymentsModel {
  export interface IOptions {
    /** The REST client; one with the page's server settings by default. */
    service?: DataOpsService;
    /** Poll interval while an execution is active (ms). */
    fastInterval?: number;
    /** Poll interval when no execution is active (ms). */
    slowInterval?: number;
    /** How many recent executions to keep per job. */
    executionsPerJob?: number;
  }
}

/** Order of executions by creation time, newest first. */
function newestFirst(a: Execution, b: Execution): number {
  const byTime = Date.parse(b.created_at) - Date.parse(a.created_at);
  return byTime !== 0 && !isNaN(byTime) ? byTime : b.id.localeCompare(a.id);
}
