import { fileUploadIcon, runIcon } from '@jupyterlab/ui-components';
import * as React from 'react';

import { useTranslation } from '../translation';
import { ControlJob, Job, Run, StepError, isActiveRun } from '../types';
import { scheduleState } from './DeploymentItem';
import { ArgumentsButton } from './ArgumentsButton';
import { RunList } from './RunList';
import { useBusy } from './useBusy';

/** The job's state on the control service and how to deploy it. */
export interface JobDeploymentProps {
  /** The job on the control service; undefined before its first deploy. */
  deployed: ControlJob | undefined;
  /** Whether a deploy of the job is in progress. */
  deploying: boolean;
  /** Deploy the job folder; resolves once the deploy ended. */
  onDeploy: (job: Job) => Promise<unknown>;
}

/** What a job's row can do; the list hands the same handlers to every row. */
export interface JobActions {
  /** Start a run of the job; resolves once the server accepted it. */
  onRun: (job: Job) => Promise<unknown>;
  /** Ask for arguments, then start a run; resolves once it started or not. */
  onRunWithArguments?: (job: Job) => Promise<unknown>;
  /** Ask to cancel a queued or running run. */
  onCancel: (run: Run) => void;
  /** Open the log of a run. */
  onOpenLog?: (run: Run) => void;
  /** Open the output notebook of a run. */
  onOpenOutput?: (run: Run) => void;
  /** Run the job again with the arguments of an ended run. */
  onRunAgain?: (run: Run) => void;
  /** Open the cell of a failed step of the job. */
  onGoToCell?: (job: Job, error: StepError) => void;
  /** Open the check report of a step of a run. */
  onOpenChecks?: (run: Run, step: string) => void;
  /** Open the job's view (its steps and whole history) in the main area. */
  onOpenJob?: (job: Job) => void;
  /** The newest `limit` runs of a job, for "Show more". */
  onLoadRuns?: (job: Job, limit: number) => Promise<ReadonlyArray<Run>>;
}

export interface JobItemProps extends JobActions {
  job: Job;
  /** Recent runs of the job, newest first. */
  runs: ReadonlyArray<Run>;
  /** Deploying; absent when the server has no control service. */
  deployment?: JobDeploymentProps;
}

/**
 * One job: its name, description, steps, Run and Deploy buttons, deployed
 * version and recent runs.
 */
export function JobItem(props: JobItemProps): JSX.Element {
  const { job, runs, onRun, onCancel, onGoToCell, deployment } = props;
  const { onRunWithArguments, onOpenLog, onOpenOutput, onRunAgain } = props;
  const { onLoadRuns, onOpenChecks, onOpenJob } = props;
  const [starting, runStart] = useBusy();
  const trans = useTranslation();

  const steps = job.steps.length;
  const active = runs.some(isActiveRun);
  return (
    <li className="dataops-job" data-job={job.name}>
      <div className="dataops-job-header">
        {onOpenJob ? (
          <button
            type="button"
            className="dataops-job-name dataops-link-button"
            title={trans.__(
              'Open %1: its steps and whole history (%2)',
              job.name,
              job.path
            )}
            onClick={() => onOpenJob(job)}
          >
            {job.name}
          </button>
        ) : (
          <span className="dataops-job-name" title={job.path}>
            {job.name}
          </span>
        )}
        <span
          className="dataops-job-steps"
          title={job.steps.map(step => step.name).join(', ')}
        >
          {trans._n('%1 step', '%1 steps', steps)}
        </span>
        <span className="dataops-job-actions">
          <button
            type="button"
            className="dataops-run-button jp-mod-styled"
            data-testid="dataops-run-button"
            aria-label={trans.__('Run %1', job.name)}
            title={
              active
                ? trans.__('A run of this job is in progress')
                : trans.__('Run this job')
            }
            disabled={starting}
            onClick={() => void runStart(() => onRun(job))}
          >
            <runIcon.react tag="span" className="dataops-run-button-icon" />
            {trans.__('Run')}
          </button>
          {onRunWithArguments && (
            <ArgumentsButton
              label={trans.__('Run %1 with arguments', job.name)}
              disabled={starting}
              onClick={() => void runStart(() => onRunWithArguments(job))}
            />
          )}
          {deployment && (
            <button
              type="button"
              className="dataops-deploy-button jp-mod-styled"
              aria-label={trans.__('Deploy %1', job.name)}
              title={trans.__(
                'Deploy this job folder to the control service and make it the active version'
              )}
              disabled={deployment.deploying}
              onClick={() =>
                void deployment.onDeploy(job).catch(() => undefined)
              }
            >
              <fileUploadIcon.react
                tag="span"
                className="dataops-button-icon"
              />
              {deployment.deploying
                ? trans.__('Deploying…')
                : trans.__('Deploy')}
            </button>
          )}
        </span>
      </div>
      {job.description && (
        <div className="dataops-job-description">{job.description}</div>
      )}
      {deployment && <DeploymentState {...deployment} />}
      <RunList
        runs={runs}
        onCancel={onCancel}
        onOpenLog={onOpenLog}
        onOpenOutput={onOpenOutput}
        onRunAgain={onRunAgain}
        onGoToCell={onGoToCell && (error => onGoToCell(job, error))}
        onOpenChecks={onOpenChecks}
        loadRuns={onLoadRuns && (limit => onLoadRuns(job, limit))}
        job={job.name}
      />
    </li>
  );
}

/** Where the job stands on the control service, in one line. */
function DeploymentState(props: JobDeploymentProps): JSX.Element {
  const { deployed, deploying } = props;
  const trans = useTranslation();
  if (deploying) {
    return (
      <div className="dataops-job-deployment" data-state="deploying">
        {trans.__('Deploying to the control service…')}
      </div>
    );
  }
  if (!deployed || deployed.active_version === null) {
    return (
      <div className="dataops-job-deployment" data-state="not-deployed">
        {trans.__('Not deployed')}
      </div>
    );
  }
  const state = scheduleState(deployed, trans);
  return (
    <div className="dataops-job-deployment" data-state="deployed">
      {trans.__('Deployed')}{' '}
      <span
        className="dataops-job-deployed-version"
        title={trans.__('The active version on the control service')}
      >
        {trans.__('v%1', deployed.active_version)}
      </span>
      {' · '}
      <span
        className="dataops-job-schedule-state"
        data-enabled={deployed.enabled ? 'true' : 'false'}
        title={
          deployed.schedule
            ? `${deployed.schedule.cron} (${deployed.schedule.timezone})`
            : ''
        }
      >
        {state}
      </span>
    </div>
  );
}
