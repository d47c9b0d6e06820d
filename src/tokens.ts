import { Toolbar } from '@jupyterlab/ui-components';
import { Token } from '@lumino/coreutils';
import { IDisposable } from '@lumino/disposable';
import { ISignal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

import { PollingModel } from './pollingModel';
import { DataOpsService } from './service';
import {
  Arguments,
  ControlJob,
  ControlStatus,
  Deployment,
  Execution,
  InvalidJob,
  Job,
  Run
} from './types';

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

  /** Whether the server extension is not running (polling waits for a refresh). */
  readonly extensionMissing: boolean;

  /** Whether any known run is queued or running. */
  readonly hasActiveRuns: boolean;

  /** Whether the model is polling the server. */
  readonly isPolling: boolean;

  /** Milliseconds until the next poll after a successful one. */
  readonly pollInterval: number;

  /** Milliseconds between polls while nothing runs (the refresh interval setting). */
  refreshInterval: number;

  /** The recent runs of a job, newest first. */
  runs(job: string): ReadonlyArray<Run>;

  /** Reload jobs and runs now. Never rejects: failures set `error`. */
  refresh(): Promise<void>;

  /**
   * Start a run of a job; the run is added to the job's runs. While another
   * run of the job is active the server refuses (409) unless `force`.
   */
  runJob(name: string, args?: Arguments, force?: boolean): Promise<Run>;

  /** Ask the server to cancel a run. */
  cancelRun(runId: string): Promise<Run>;

  /** Tell the model whether its data is on screen: it polls only then. */
  setVisible(visible: boolean): void;

  /** Another view of the data (e.g. a notebook's toolbar): it polls while any view is shown. */
  addView(): PollingModel.IView;
}

/** The token of the Data Jobs model, for plugins that show or use jobs. */
export const IDataJobsModel = new Token<IDataJobsModel>(
  'dataops-jupyter:IDataJobsModel',
  'The Data Jobs model: jobs, invalid job folders and their recent runs.'
);

/**
 * The Deployments model: the team's jobs on the control service (active
 * version, schedule state, next runs) and the recent executions of each,
 * kept fresh by polling while they are shown.
 */
export interface IDeploymentsModel extends IDisposable {
  /** Emitted whenever jobs, executions, the error or a state change. */
  readonly changed: ISignal<IDeploymentsModel, void>;

  /** The REST client the model uses. */
  readonly service: DataOpsService;

  /**
   * Whether the server has a control service (`features.control_service`);
   * null until the server said.
   */
  readonly configured: boolean | null;

  /** Which control service the server uses, once known. */
  readonly status: ControlStatus | null;

  /** The team's jobs on the control service, sorted by name. */
  readonly jobs: ReadonlyArray<ControlJob>;

  /** Whether the jobs have been loaded at least once. */
  readonly hasLoaded: boolean;

  /** The message of the last failed refresh, or null. */
  readonly error: string | null;

  /** Whether the server extension is not running (polling waits for a refresh). */
  readonly extensionMissing: boolean;

  /** Whether any known execution is submitted or running. */
  readonly hasActiveExecutions: boolean;

  /** Whether the model is polling the server. */
  readonly isPolling: boolean;

  /** Milliseconds until the next poll after a successful one. */
  readonly pollInterval: number;

  /** Milliseconds between polls while nothing runs (the refresh interval setting). */
  refreshInterval: number;

  /** A job on the control service by name, if it is there. */
  job(name: string): ControlJob | undefined;

  /** The recent executions of a job, newest first. */
  executions(job: string): ReadonlyArray<Execution>;

  /** Whether a deploy of the job is in progress. */
  isDeploying(job: string): boolean;

  /** Reload jobs and executions now. Never rejects: failures set `error`. */
  refresh(): Promise<void>;

  /**
   * Deploy the job folder `job` under the server root and make it active;
   * `force` deploys even a folder unchanged since the latest version.
   */
  deploy(job: string, reason?: string, force?: boolean): Promise<Deployment>;

  /** Delete a job from the control service, with all it has there. */
  deleteJob(job: string): Promise<void>;

  /** Turn the schedule of a deployed job on or off. */
  setEnabled(job: string, enabled: boolean): Promise<ControlJob>;

  /** Make a deployed version the active one (roll back or forward). */
  activate(job: string, version: number): Promise<ControlJob>;

  /** Start an execution of the active version now. */
  execute(job: string, args?: Arguments): Promise<Execution>;

  /** Ask the control service to cancel an execution. */
  cancelExecution(job: string, execution: string): Promise<Execution>;

  /** Tell the model whether its data is on screen: it polls only then. */
  setVisible(visible: boolean): void;

  /** Another view of the data (e.g. a notebook's toolbar): it polls while any view is shown. */
  addView(): PollingModel.IView;
}

/** The token of the Deployments model, for plugins that show or use it. */
export const IDeploymentsModel = new Token<IDeploymentsModel>(
  'dataops-jupyter:IDeploymentsModel',
  'The Deployments model: jobs on the control service and their executions.'
);

/**
 * The Data Jobs sidebar, as other plugins see it: they add their sections
 * (Jobs and Deployments do, and so can later ones such as tables) and
 * toolbar buttons without editing the panel.
 */
export interface IDataJobsSidebar {
  /** The sidebar's toolbar, for buttons that act on every section. */
  readonly toolbar: Toolbar<Widget>;

  /** Whether the sidebar is on screen. */
  readonly isVisible: boolean;

  /**
   * Add a section (a widget with a `title.label`): it can be collapsed and
   * resized like the others. Disposing the result removes it again.
   */
  addSection(
    widget: Widget,
    options?: IDataJobsSidebar.ISectionOptions
  ): IDisposable;
}

export namespace IDataJobsSidebar {
  /** Where a section goes and what follows the sidebar's visibility. */
  export interface ISectionOptions {
    /** Sections are shown by rank, lowest first: Jobs 100, Deployments 200. */
    rank?: number;

    /**
     * Told whether the sidebar is on screen, now and whenever that changes,
     * e.g. a model that polls the server only while it is shown.
     */
    visibility?: { setVisible(visible: boolean): void };
  }
}

/** The token of the Data Jobs sidebar, for plugins that add sections to it. */
export const IDataJobsSidebar = new Token<IDataJobsSidebar>(
  'dataops-jupyter:IDataJobsSidebar',
  'The Data Jobs sidebar: add sections and toolbar buttons to it.'
);
