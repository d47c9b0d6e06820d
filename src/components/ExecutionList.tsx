import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { useTranslation } from '../translation';
import { Execution, StepError, isActiveExecution } from '../types';
import { ArgumentsLine } from './ArgumentsLine';
import {
  AgainButton,
  CancelButton,
  LogButton,
  OutputButton
} from './RowButtons';
import { ExecutionBadge } from './ExecutionBadge';
import { StepChecks } from './ChecksButton';
import { FailedStep } from './FailedStep';
import { formatDuration } from './RunList';
import { formatRelativeTime } from './time';
import { ShowMore, useHistory } from './useHistory';

export interface ExecutionListProps {
  /** Executions, newest first. */
  executions: ReadonlyArray<Execution>;
  /** Ask to cancel a submitted or running execution. */
  onCancel: (execution: Execution) => void;
  /** Open the log of an execution. */
  onOpenLog: (execution: Execution) => void;
  /** Open the output notebook of an execution. */
  onOpenOutput?: (execution: Execution) => void;
  /** Execute the job again with the arguments of an ended execution. */
  onExecuteAgain?: (execution: Execution) => void;
  /** Open a failed step's cell. */
  onGoToCell?: (error: StepError) => void;
  /** Open the check report of a step of an execution. */
  onOpenChecks?: (execution: Execution, step: string) => void;
  /** The newest `limit` executions of the job, for "Show more". */
  loadExecutions?: (limit: number) => Promise<ReadonlyArray<Execution>>;
  /** Whose executions, for screen readers. */
  job?: string;
}

/** The recent executions of one deployed job, and older ones on demand. */
export function ExecutionList(props: ExecutionListProps): JSX.Element {
  const { executions, onCancel, onOpenLog, onOpenOutput } = props;
  const { onExecuteAgain, onGoToCell, onOpenChecks } = props;
  const trans = useTranslation();
  const history = useHistory(
    executions,
    execution => execution.id,
    props.loadExecutions
  );
  if (executions.length === 0) {
    return (
      <div className="dataops-execution-list-empty">
        {trans.__('No executions yet.')}
      </div>
    );
  }
  return (
    <>
      <ul className="dataops-execution-list">
        {history.items.map(execution => (
          <ExecutionItem
            key={execution.id}
            execution={execution}
            onCancel={onCancel}
            onOpenLog={onOpenLog}
            onOpenOutput={onOpenOutput}
            onExecuteAgain={onExecuteAgain}
            onGoToCell={onGoToCell}
            onOpenChecks={onOpenChecks}
          />
        ))}
      </ul>
      <ShowMore
        history={history}
        label={
          props.job
            ? trans.__('Show older executions of %1', props.job)
            : trans.__('Show older executions')
        }
      />
    </>
  );
}

function ExecutionItem(props: {
  execution: Execution;
  onCancel: (execution: Execution) => void;
  onOpenLog: (execution: Execution) => void;
  onOpenOutput?: (execution: Execution) => void;
  onExecuteAgain?: (execution: Execution) => void;
  onGoToCell?: (error: StepError) => void;
  onOpenChecks?: (execution: Execution, step: string) => void;
}): JSX.Element {
  const { execution, onCancel, onOpenLog, onOpenOutput } = props;
  const { onExecuteAgain, onGoToCell, onOpenChecks } = props;
  const trans = useTranslation();
  const active = isActiveExecution(execution);
  const failedStep = failingStep(execution);
  const openChecks =
    onOpenChecks && ((step: string) => onOpenChecks(execution, step));
  const created = new Date(execution.created_at);
  const duration = executionDuration(execution);
  const trigger = triggerLabel(execution, trans);
  return (
    <li
      className="dataops-execution"
      data-execution-id={execution.id}
      data-status={execution.status}
      data-trigger={execution.trigger}
    >
      <div className="dataops-execution-summary">
        <ExecutionBadge status={execution.status} />
        <span
          className="dataops-execution-time"
          title={trans.__(
            '%1 · execution %2 · v%3',
            created.toLocaleString(),
            execution.id,
            execution.version
          )}
        >
          {formatRelativeTime(created)}
        </span>
        {duration !== null && (
          <span className="dataops-execution-duration">
            {formatDuration(duration, trans)}
          </span>
        )}
        {trigger && (
          <span className="dataops-execution-trigger">{trigger}</span>
        )}
        <span className="dataops-execution-actions">
          {active && (
            <CancelButton
              label={trans.__('Cancel execution %1', execution.id)}
              title={trans.__('Cancel this execution')}
              onClick={() => onCancel(execution)}
            />
          )}
          {onExecuteAgain && !active && (
            <AgainButton
              label={trans.__('Execute again like execution %1', execution.id)}
              title={trans.__(
                'Execute the active version again with the same arguments'
              )}
              onClick={() => onExecuteAgain(execution)}
            />
          )}
          <LogButton
            label={trans.__('Open log of execution %1', execution.id)}
            title={trans.__('Open the log of this execution')}
            onClick={() => onOpenLog(execution)}
          />
          {onOpenOutput && execution.status !== 'submitted' && (
            <OutputButton
              label={trans.__('Open output of execution %1', execution.id)}
              title={trans.__(
                'Open the executed notebook of this execution (read-only)'
              )}
              onClick={() => onOpenOutput(execution)}
            />
          )}
        </span>
      </div>
      <ArgumentsLine
        args={execution.arguments}
        className="dataops-execution-arguments"
      />
      {failedStep !== null && (
        <FailedStep
          step={failedStep}
          error={execution.error}
          className="dataops-execution-failed-step"
          onGoToCell={onGoToCell}
          checks={
            execution.steps.find(step => step.name === failedStep)?.checks
          }
          onOpenChecks={openChecks}
        />
      )}
      {!active && (
        <StepChecks
          steps={execution.steps}
          except={failedStep ?? undefined}
          onOpen={openChecks}
        />
      )}
      {execution.message && failedStep === null && !active && (
        <div className="dataops-execution-message">{execution.message}</div>
      )}
    </li>
  );
}

/** The name of the step that failed, for a failed execution. */
export function failingStep(execution: Execution): string | null {
  if (execution.status !== 'user_error') {
    return null;
  }
  if (execution.error?.step) {
    return execution.error.step;
  }
  const failed = execution.steps.find(step => step.status === 'failed');
  return failed ? failed.name : null;
}

/** Seconds between start and end of an ended execution, or null. */
export function executionDuration(execution: Execution): number | null {
  if (!execution.started_at || !execution.finished_at) {
    return null;
  }
  const seconds =
    (Date.parse(execution.finished_at) - Date.parse(execution.started_at)) /
    1000;
  return isNaN(seconds) || seconds < 0 ? null : seconds;
}

/** How an execution started, unless by hand. */
function triggerLabel(execution: Execution, trans: TranslationBundle): string {
  switch (execution.trigger) {
    case 'schedule':
      return trans.__('scheduled');
    case 'retry':
      return trans.__('retry %1', execution.attempt);

    default:
      return '';
  }
}
