import { ReadonlyPartialJSONObject } from '@lumino/coreutils';

import { StepError } from './types';

/** Ids of the commands of the Data Jobs extension. */
export namespace CommandIDs {
  /** Reload jobs and runs. */
  export const refresh = 'dataops:refresh';
  /** Start a run of a job; args `{name, arguments?}`. */
  export const runJob = 'dataops:run-job';
  /** Cancel a run; args `{runId}`. */
  export const cancelRun = 'dataops:cancel-run';
  /** Deploy a job folder to the control service; args `{name, reason?}`. */
  export const deployJob = 'dataops:deploy-job';
  /** Start an execution of a deployed job; args `{name, arguments?}`. */
  export const executeJob = 'dataops:execute-job';
  /** Cancel an execution; args `{job, executionId}`. */
  export const cancelExecution = 'dataops:cancel-execution';
  /** Turn a deployed job's schedule on or off; args `{name, enabled}`. */
  export const setScheduleEnabled = 'dataops:set-schedule-enabled';
  /** Open the log of a local run in the main area; args `{job, runId}`. */
  export const openRunLog = 'dataops:open-run-log';
  /** Open the log of an execution in the main area; args `{job, executionId}`. */
  export const openExecutionLog = 'dataops:open-execution-log';
  /** Open a job's view (steps, history, charts) in the main area; args `{name}`. */
  export const openJob = 'dataops:open-job';
  /** Open the output notebook of a local run, read-only; args `{job, runId}`. */
  export const openRunOutput = 'dataops:open-run-output';
  /** Open the output notebook of an execution, read-only; args `{job, executionId}`. */
  export const openExecutionOutput = 'dataops:open-execution-output';
  /** Open the contract check report of a step of a local run; args `{job, runId, step}`. */
  export const openRunChecks = 'dataops:open-run-checks';
  /** Open the contract check report of a step of an execution; args `{job, executionId, step}`. */
  export const openExecutionChecks = 'dataops:open-execution-checks';
  /** Delete a job from the control service (asks first); args `{name}`. */
  export const deleteDeployedJob = 'dataops:delete-deployed-job';
  /**
   * Open a step's notebook at its cell (e.g. the one that failed); args
   * `{job, notebook, cellId, cellIndex}`, the job being a folder of the workspace.
   */
  export const goToCell = 'dataops:go-to-cell';
  /**
   * Make a deployed version of a job the one that runs (roll back, or
   * forward); args `{name, version?}`: without a version, a dialog asks.
   */
  export const activateVersion = 'dataops:activate-version';
  /** Edit the properties and secrets of a deployed job in a dialog; args `{name}`. */
  export const editJobSettings = 'dataops:edit-job-settings';
  /** Open the Data Jobs settings (control service, refresh interval) in the Settings Editor. */
  export const openSettings = 'dataops:open-settings';
  /**
   * Create a job folder from the template in a dialog (folder, name, team,
   * description, schedule); args `{folder?}`, the folder it starts with.
   */
  export const createJob = 'dataops:create-job';
  /**
   * Make a notebook that belongs to no job a job (a job.toml beside it), in
   * a dialog; args `{path?}`, the notebook (default: the current one).
   */
  export const convertToJob = 'dataops:convert-to-job';
  /** Make the active notebook's selected code cells job steps, or scratch again if all are steps. */
  export const toggleStep = 'dataops:toggle-step';
  /** Make the active cell the notebook's parameters cell (the tag moves), or undo it. */
  export const markParameters = 'dataops:mark-parameters';
}

/** The arguments of the go-to-cell command for where a step of `job` failed. */
export function goToCellArgs(
  job: { name: string },
  error: StepError
): ReadonlyPartialJSONObject {
  return {
    job: job.name,
    notebook: error.notebook,
    cellId: error.cell_id,
    cellIndex: error.cell_index
  };
}
