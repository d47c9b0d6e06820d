import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { translations, useTranslation, withParts } from '../translation';
import { Run, StepError, isActiveRun } from '../types';
import { ArgumentsLine } from './ArgumentsLine';
import {
  AgainButton,
  CancelButton,
  LogButton,
  OutputButton
} from './RowButtons';
import { StepChecks } from './ChecksButton';
import { FailedStep } from './FailedStep';
import { RunBadge } from './RunBadge';
import { formatRelativeTime } from './time';
import { ShowMore, useHistory } from './useHistory';

export interface RunListProps {
  /** Runs, newest first. */
  runs: ReadonlyArray<Run>;
  /** Ask to cancel a queued or running run. */
  onCancel: (run: Run) => void;
  /** Open the log of a run. */
  onOpenLog?: (run: Run) => void;
  /** Open the output notebook of a run. */
  onOpenOutput?: (run: Run) => void;
  /** Start the job again with the arguments of an ended run. */
  onRunAgain?: (run: Run) => void;
  /** Open a failed step's cell. */
  onGoToCell?: (error: StepError) => void;
  /** Open the check report of a step of a run. */
  onOpenChecks?: (run: Run, step: string) => void;
  /** The newest `limit` runs of the job, for "Show more". */
  loadRuns?: (limit: number) => Promise<ReadonlyArray<Run>>;
  /** Whose runs, for screen readers. */
  job?: string;
}

/** The recent runs of one job, and older ones on demand. */
export function RunList(props: RunListProps): JSX.Element {
  const { runs, onCancel, onOpenLog, onOpenOutput, onRunAgain, onGoToCell } =
    props;
  const { onOpenChecks } = props;
  const trans = useTranslation();
  const history = useHistory(runs, run => run.run_id, props.loadRuns);
  if (runs.length === 0) {
    return (
      <div className="dataops-run-list-empty">{trans.__('No runs yet.')}</div>
    );
  }
  return (
    <>
      <ul className="dataops-run-list">
        {history.items.map(run => (
          <RunItem
            key={run.run_id}
            run={run}
            onCancel={onCancel}
            onOpenLog={onOpenLog}
            onOpenOutput={onOpenOutput}
            onRunAgain={onRunAgain}
            onGoToCell={onGoToCell}
            onOpenChecks={onOpenChecks}
          />
        ))}
      </ul>
      <ShowMore
        history={history}
        label={
          props.job
            ? trans.__('Show older runs of %1', props.job)
            : trans.__('Show older runs')
        }
      />
    </>
  );
}

function RunItem(props: {
  run: Run;
  onCancel: (run: Run) => void;
  onOpenLog?: (run: Run) => void;
  onOpenOutput?: (run: Run) => void;
  onRunAgain?: (run: Run) => void;
  onGoToCell?: (error: StepError) => void;
  onOpenChecks?: (run: Run, step: string) => void;
}): JSX.Element {
  const { run, onCancel, onOpenLog, onOpenOutput, onRunAgain, onGoToCell } =
    props;
  const { onOpenChecks } = props;
  const trans = useTranslation();
  const failedStep = run.status === 'failed' ? run.error?.step : undefined;
  const openChecks =
    onOpenChecks && ((step: string) => onOpenChecks(run, step));
  const current = runningStep(run);
  const created = new Date(run.created_at);
  return (
    <li
      className="dataops-run"
      data-run-id={run.run_id}
      data-status={run.status}
    >
      <div className="dataops-run-summary">
        <RunBadge status={run.status} />
        <span className="dataops-run-time" title={created.toLocaleString()}>
          {formatRelativeTime(created)}
        </span>
        {run.duration !== null && (
          <span className="dataops-run-duration">
            {formatDuration(run.duration, trans)}
          </span>
        )}
        {current && (
          <span
            className="dataops-run-step"
            title={trans.__('The step running now')}
          >
            {withParts(
              trans.__(
                'step %1 of %2: %3',
                current.index + 1,
                run.steps.length,
                '%3'
              ),
              undefined,
              undefined,
              <code>{current.name}</code>
            )}
          </span>
        )}
        <span className="dataops-run-actions">
          {isActiveRun(run) && (
            <CancelButton
              label={trans.__('Cancel run %1', run.run_id)}
              title={trans.__('Cancel this run')}
              onClick={() => onCancel(run)}
            />
          )}
          {onRunAgain && !isActiveRun(run) && (
            <AgainButton
              label={trans.__('Run again like run %1', run.run_id)}
              title={trans.__('Run this job again with the same arguments')}
              onClick={() => onRunAgain(run)}
            />
          )}
          {onOpenLog && (
            <LogButton
              label={trans.__('Open log of run %1', run.run_id)}
              title={trans.__('Open the log of this run')}
              onClick={() => onOpenLog(run)}
            />
          )}
          {onOpenOutput && run.status !== 'queued' && (
            <OutputButton
              label={trans.__('Open output of run %1', run.run_id)}
              title={trans.__(
                'Open the executed notebook of this run (read-only)'
              )}
              onClick={() => onOpenOutput(run)}
            />
          )}
        </span>
      </div>
      <ArgumentsLine args={run.arguments} className="dataops-run-arguments" />
      {failedStep !== undefined && (
        <FailedStep
          step={failedStep}
          error={run.error}
          className="dataops-run-failed-step"
          onGoToCell={onGoToCell}
          checks={run.steps.find(step => step.name === failedStep)?.checks}
          onOpenChecks={openChecks}
        />
      )}
      {!isActiveRun(run) && (
        <StepChecks steps={run.steps} except={failedStep} onOpen={openChecks} />
      )}
      {run.message && failedStep === undefined && !isActiveRun(run) && (
        <div className="dataops-run-message">{run.message}</div>
      )}
    </li>
  );
}

/** The step a run is in now, with its place among the steps. */
export function runningStep(
  run: Run
): { name: string; index: number } | undefined {
  const index = run.steps.findIndex(step => step.status === 'running');
  return index < 0 ? undefined : { name: run.steps[index].name, index };
}

/** Seconds as a short duration: `0.4 s`, `12 s`, `3 min 5 s`. */
export function formatDuration(
  seconds: number,
  trans: TranslationBundle = translations()
): string {
  if (seconds < 10) {
    return trans.__('%1 s', seconds.toFixed(1));
  }
  if (seconds < 60) {
    return trans.__('%1 s', Math.round(seconds));
  }
  const minutes = Math.floor(seconds / 60);
  const rest = Math.round(seconds - minutes * 60);
  return rest
    ? trans.__('%1 min %2 s', minutes, rest)
    : trans.__('%1 min', minutes);
}
