import { Token } from '@lumino/coreutils';
import { IDisposable } from '@lumino/disposable';
import { ISignal } from '@lumino/signaling';

import { DataOpsService } from './service';
import { Arguments, InvalidJob, Job, Run } from './types';

/**
 * The Data Jobs model: the jobs under the server root, the job folders that
 * do not load, and the recent runs of each job, kept fresh by polling while
 * they are shown.
 */
export interface IDataJobsModel extends IDisposable {
  /** Emitted whenever jobs, runs, the error or the loading state change. */
  readonly changed: ISignal<IDataJobsModel, void>;

  /** The REST client the model uses. */
  readonly service: DataOpsService;

  /** Valid jobs, sorted by name. */
  readonly jobs: ReadonlyArray<Job>;

  /** Job folders that do not load, with the reason. */
  readonly invalid: ReadonlyArray<InvalidJob>;

  /** Whether the jobs have been loaded at least once. */
  readonly hasLoaded: boolean;

  /** The message of the last failed refresh, or null. */
  readonly error: string | null;

  /** Whether any known run is queued or running. */
  readonly hasActiveRuns: boolean;

  /** Whether the model is polling the server. */
  readonly isPolling: boolean;

  /** Milliseconds until the next poll after a successful one. */
  readonly pollInterval: number;

  /** The recent runs of a job, newest first. */
  runs(job: string): ReadonlyArray<Run>;

  /** Reload jobs and runs now. Never rejects: failures set `error`. */
  refresh(): Promise<void>;

  /** Start a run of a job; the run is added to the job's runs. */
  runJob(name: string, args?: Arguments): Promise<Run>;

  /** Ask the server to cancel a run. */
  cancelRun(runId: string): Promise<Run>;

  /** Tell the model whether its data is on screen: it polls only then. */
  setVisible(visible: boolean): void;
}

/** The token of the Data Jobs model, for plugins that show or use jobs. */
export const IDataJobsModel = new Token<IDataJobsModel>(
  'dataops-jupyter:IDataJobsModel',
  'The Data Jobs model: jobs, invalid job folders and their recent runs.'
);
