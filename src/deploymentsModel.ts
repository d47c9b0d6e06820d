import { PollingModel, putNewestFirst } from './pollingModel';
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

/**
 * The team's jobs on the control service and their recent executions,
 * refreshed by a poll that is fast while an execution is active, slow
 * otherwise, and stopped while the data is not on screen.
 *
 * When the server has no control service (`features.control_service` is
 * false), `configured` is false and the model asks nothing of the service.
 */
export class DeploymentsModel
  extends PollingModel
  implements IDeploymentsModel
{
  constructor(options: DeploymentsModel.IOptions = {}) {
    super('deployments', options);
    this._executionsPerJob = options.executionsPerJob ?? EXECUTIONS_PER_JOB;
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

  get hasActiveExecutions(): boolean {
    for (const executions of this._executions.values()) {
      if (executions.some(isActiveExecution)) {
        return true;
      }
    }
    return false;
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

  async deploy(
    job: string,
    reason?: string,
    force = false
  ): Promise<Deployment> {
    this._deploying.add(job);
    this.emitChanged();
    try {
      const deployment = await this.service.deployJob(job, reason, force);
      // Show the new version at once, with its schedule and next runs.
      try {
        this._putJob(await this.service.getControlJob(job));
      } catch {
        await this.refresh();
      }
      return deployment;
    } finally {
      this._deploying.delete(job);
      this.emitChanged();
    }
  }

  async deleteJob(job: string): Promise<void> {
    await this.service.deleteControlJob(job);
    if (this.isDisposed) {
      return;
    }
    this._jobs = this._jobs.filter(existing => existing.name !== job);
    this._executions.delete(job);
    this.changedLocally();
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

  protected get isBusy(): boolean {
    return this.hasActiveExecutions;
  }

  /**
   * The jobs on the control service, the next runs of the scheduled ones and
   * the recent executions of the deployed ones.
   */
  protected async fetch(): Promise<() => void> {
    if (this._configured !== true) {
      const config = await this.service.getConfig();
      if (!config.features.control_service) {
        return () => {
          this._configured = false;
          this._jobs = [];
          this._executions = new Map();
        };
      }
      // Known for good, even if the rest of this load fails or comes late.
      this._configured = true;
    }
    // The status only explains things: a failure to get it is no error.
    const status =
      this._status === null || this.error !== null
        ? this.service.getControlStatus().catch(() => this._status)
        : Promise.resolve(this._status);
    const jobs = await this.service.listControlJobs();
    const loaded = await Promise.all(jobs.map(job => this._loadJob(job)));
    const newStatus = await status;
    return () => {
      this._status = newStatus;
      this._jobs = loaded.map(([job]) => job);
      this._executions = new Map(
        loaded.map(([job, executions]) => [job.name, executions])
      );
    };
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
    this.changedLocally();
  }

  /** Add an execution, or replace it by its id, keeping them newest first. */
  private _putExecution(execution: Execution): void {
    if (this.isDisposed) {
      return;
    }
    this._executions.set(
      execution.job,
      putNewestFirst(
        this.executions(execution.job),
        execution,
        e => e.id,
        this._executionsPerJob
      )
    );
    this.changedLocally();
  }

  private _configured: boolean | null = null;
  private _deploying = new Set<string>();
  private _executions = new Map<string, Execution[]>();
  private _executionsPerJob: number;
  private _jobs: ControlJob[] = [];
  private _status: ControlStatus | null = null;
}

export namespace DeploymentsModel {
  export interface IOptions extends PollingModel.IOptions {
    /** How many recent executions to keep per job. */
    executionsPerJob?: number;
  }
}
