import { PollingModel, putNewestFirst } from './pollingModel';
import { IDataJobsModel } from './tokens';
import { Arguments, InvalidJob, Job, Run, isActiveRun } from './types';

/** Default number of runs kept per job. */
export const RUNS_PER_JOB = 5;

/**
 * Jobs, invalid job folders and recent runs per job, refreshed by a poll
 * that is fast while a run is active, slow otherwise, and stopped while the
 * data is not on screen.
 */
export class DataJobsModel extends PollingModel implements IDataJobsModel {
  constructor(options: DataJobsModel.IOptions = {}) {
    super('jobs', options);
    this._runsPerJob = options.runsPerJob ?? RUNS_PER_JOB;
  }

  get jobs(): ReadonlyArray<Job> {
    return this._jobs;
  }

  get invalid(): ReadonlyArray<InvalidJob> {
    return this._invalid;
  }

  get hasActiveRuns(): boolean {
    for (const runs of this._runs.values()) {
      if (runs.some(isActiveRun)) {
        return true;
      }
    }
    return false;
  }

  runs(job: string): ReadonlyArray<Run> {
    return this._runs.get(job) ?? [];
  }

  async runJob(name: string, args?: Arguments, force = false): Promise<Run> {
    const run = await this.service.startRun(name, args, force);
    this._putRun(run);
    return run;
  }

  async cancelRun(runId: string): Promise<Run> {
    const run = await this.service.cancelRun(runId);
    this._putRun(run);
    return run;
  }

  protected get isBusy(): boolean {
    return this.hasActiveRuns;
  }

  /** Jobs and the recent runs of each job, in one request. */
  protected async fetch(): Promise<() => void> {
    const { jobs, invalid, runs } = await this.service.listJobsWithRuns(
      this._runsPerJob
    );
    return () => {
      this._jobs = jobs;
      this._invalid = invalid;
      this._runs = new Map(jobs.map(job => [job.name, runs[job.name] ?? []]));
    };
  }

  /** Add a run, or replace it by its id, keeping runs newest first. */
  private _putRun(run: Run): void {
    if (this.isDisposed) {
      return;
    }
    this._runs.set(
      run.job,
      putNewestFirst(this.runs(run.job), run, r => r.run_id, this._runsPerJob)
    );
    this.changedLocally();
  }

  private _invalid: InvalidJob[] = [];
  private _jobs: Job[] = [];
  private _runs = new Map<string, Run[]>();
  private _runsPerJob: number;
}

export namespace DataJobsModel {
  export interface IOptions extends PollingModel.IOptions {
    /** How many recent runs to keep per job. */
    runsPerJob?: number;
  }
}
