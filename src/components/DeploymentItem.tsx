import { deleteIcon, editIcon, runIcon } from '@jupyterlab/ui-components';
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { useTranslation } from '../translation';
import { ControlJob, Execution, StepError, isActiveExecution } from '../types';
import { ArgumentsButton } from './ArgumentsButton';
import { ExecutionList } from './ExecutionList';
import { ScheduleToggle } from './ScheduleToggle';
import { formatRelativeTime } from './time';
import { useBusy } from './useBusy';

/** What a deployed job's row can do; the list hands the same handlers to every row. */
export interface DeploymentActions {
  /** Start an execution; resolves once the service accepted it. */
  onExecute: (job: ControlJob) => Promise<unknown>;
  /** Ask for arguments, then start an execution. */
  onExecuteWithArguments?: (job: ControlJob) => Promise<unknown>;
  /** Turn the schedule on or off; resolves once the service answered. */
  onSetEnabled: (job: ControlJob, enabled: boolean) => Promise<unknown>;
  onCancel: (execution: Execution) => void;
  onOpenLog: (execution: Execution) => void;
  /** Open the output notebook of an execution. */
  onOpenOutput?: (execution: Execution) => void;
  /** Open the cell of a failed step of the job. */
  onGoToCell?: (job: ControlJob, error: StepError) => void;
  /** Execute the job again with the arguments of an ended execution. */
  onExecuteAgain?: (execution: Execution) => void;
  /** Open the check report of a step of an execution. */
  onOpenChecks?: (execution: Execution, step: string) => void;
  /** Choose which deployed version runs. */
  onPickVersion?: (job: ControlJob) => void;
  /** Edit the job's properties and secrets. */
  onEditSettings?: (job: ControlJob) => void;
  /** Delete the job from the control service (after asking). */
  onDelete?: (job: ControlJob) => void;
  /** The newest `limit` executions of a job, for "Show more". */
  onLoadExecutions?: (
    job: ControlJob,
    limit: number
  ) => Promise<ReadonlyArray<Execution>>;
}

export interface DeploymentItemProps extends DeploymentActions {
  job: ControlJob;
  /** Recent executions of the job, newest first. */
  executions: ReadonlyArray<Execution>;
}

/**
 * One job on the control service: its active version, schedule switch,
 * next run, Execute button and recent executions.
 */
export function DeploymentItem(props: DeploymentItemProps): JSX.Element {
  const { job, executions, onExecute, onSetEnabled, onCancel, onOpenLog } =
    props;
  const { onExecuteWithArguments, onGoToCell, onPickVersion, onEditSettings } =
    props;
  const { onExecuteAgain, onOpenOutput, onDelete, onLoadExecutions } = props;
  const { onOpenChecks } = props;
  const [starting, runStart] = useBusy();
  const [switching, runSwitch] = useBusy();
  const trans = useTranslation();
  const deployed = job.active_version !== null;
  const active = executions.some(isActiveExecution);

  return (
    <li className="dataops-deployment" data-job={job.name}>
      <div className="dataops-deployment-header">
        <span className="dataops-deployment-name" title={job.description}>
          {job.name}
        </span>
        {deployed ? (
          <button
            type="button"
            className="dataops-deployment-version"
            aria-label={trans.__('Versions of %1', job.name)}
            title={trans.__(
              'The version that runs: click to roll back or forward'
            )}
            onClick={() => onPickVersion?.(job)}
            disabled={!onPickVersion}
          >
            {trans.__('v%1', job.active_version)}
          </button>
        ) : (
          <span className="dataops-deployment-version">
            {trans.__('not deployed')}
          </span>
        )}
        <span className="dataops-deployment-spacer" />
        <button
          type="button"
          className="dataops-execute-button jp-mod-styled"
          aria-label={trans.__('Execute %1', job.name)}
          title={
            !deployed
              ? trans.__('Deploy the job first')
              : active
                ? trans.__('An execution of this job is in progress')
                : trans.__(
                    'Run the deployed version now on the control service'
                  )
          }
          disabled={starting || !deployed}
          onClick={() => void runStart(() => onExecute(job))}
        >
          <runIcon.react tag="span" className="dataops-button-icon" />
          {trans.__('Execute')}
        </button>
        {deployed && onExecuteWithArguments && (
          <ArgumentsButton
            label={trans.__('Execute %1 with arguments', job.name)}
            disabled={starting}
            onClick={() => void runStart(() => onExecuteWithArguments(job))}
          />
        )}
      </div>
      <div className="dataops-deployment-schedule">
        <ScheduleToggle
          job={job.name}
          enabled={job.enabled}
          disabled={switching || job.schedule === null || !deployed}
          reason={
            job.schedule === null
              ? trans.__(
                  'The job has no schedule (set one in job.toml and deploy)'
                )
              : trans.__('Deploy the job first')
          }
          onChange={enabled => void runSwitch(() => onSetEnabled(job, enabled))}
        />
        <span className="dataops-deployment-schedule-text">
          {scheduleSegments(job, trans).map((segment, index) => (
            <React.Fragment key={index}>
              {index > 0 && ' '}
              <span className="dataops-schedule-segment">{segment}</span>
            </React.Fragment>
          ))}
        </span>
        {deployed && onEditSettings && (
          <button
            type="button"
            className="dataops-settings-button jp-mod-styled"
            aria-label={trans.__('Properties and secrets of %1', job.name)}
            title={trans.__('Properties and secrets of this job')}
            onClick={() => onEditSettings(job)}
          >
            <editIcon.react tag="span" className="dataops-button-icon" />
          </button>
        )}
        {onDelete && (
          <button
            type="button"
            className="dataops-delete-job-button jp-mod-styled"
            aria-label={trans.__(
              'Delete %1 from the control service',
              job.name
            )}
            title={trans.__('Delete this job from the control service')}
            disabled={active}
            onClick={() => onDelete(job)}
          >
            <deleteIcon.react tag="span" className="dataops-button-icon" />
          </button>
        )}
      </div>
      <ExecutionList
        executions={executions}
        onCancel={onCancel}
        onOpenLog={onOpenLog}
        onOpenOutput={onOpenOutput}
        onExecuteAgain={onExecuteAgain}
        onGoToCell={onGoToCell && (error => onGoToCell(job, error))}
        onOpenChecks={onOpenChecks}
        loadExecutions={
          onLoadExecutions && (limit => onLoadExecutions(job, limit))
        }
        job={job.name}
      />
    </li>
  );
}

/**
 * The schedule line of a deployed job in pieces that wrap only between
 * each other: the cron, its timezone and when it runs next (or paused).
 */
export function scheduleSegments(
  job: ControlJob,
  trans: TranslationBundle
): string[] {
  if (job.schedule === null) {
    return [trans.__('No schedule')];
  }
  const segments = [job.schedule.cron, `(${job.schedule.timezone})`];
  const next = job.next_runs[0];
  if (!job.enabled) {
    segments.push(trans.__('· paused'));
  } else if (next) {
    segments.push(trans.__('· next run %1', formatRelativeTime(next)));
  }
  return segments;
}

/** The schedule state of a job in a word or two: on, off or none. */
export function scheduleState(
  job: ControlJob,
  trans: TranslationBundle
): string {
  if (job.schedule === null) {
    return trans.__('no schedule');
  }
  return job.enabled ? trans.__('schedule on') : trans.__('schedule off');
}
