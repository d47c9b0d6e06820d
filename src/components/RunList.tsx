import * as React from 'react';

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
  const history = useHistory(runs, run => run.run_id, props.loadRuns);
  if (runs.length === 0) {
    return <div className="dataops-run-list-empty">No runs yet.</div>;
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
        label={`Show older runs${props.job ? ` of ${props.job}` : ''}`}
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
            {formatDuration(run.duration)}
          </span>
        )}
        {current && (
          <span className="dataops-run-step" title="The step running now">
            step {current.index + 1} of {run.steps.length}:{' '}
            <code>{current.name}</code>
          </span>
        )}
        <span className="dataops-run-actions">
          {isActiveRun(run) && (
            <CancelButton
              label={`Cancel run ${run.run_id}`}
              title="Cancel this run"
              onClick={() => onCancel(run)}
            />
          )}
          {onRunAgain && !isActiveRun(run) && (
            <AgainButton
              label={`Run again like run ${run.run_id}`}
              title="Run this job again with the same arguments"
              onClick={() => onRunAgain(run)}
            />
          )}
          {onOpenLog && (
            <LogButton
              label={`Open log of run ${run.run_id}`}
              title="Open the log of this run"
              onClick={() => onOpenLog(run)}
            />
          )}
          {onOpenOutput && run.status !== 'queued' && (
            <OutputButton
              label={`Open output of run ${run.run_id}`}
              title="Open the executed notebook of this run (read-only)"
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
export function formatDuration(seconds: number): string {
  if (seconds < 10) {
    return `${seconds.toFixed(1)} s`;
  }
  if (seconds < 60) {
    return `${Math.round(seconds)} s`;
  }
  const minutes = Math.floor(seconds / 60);
  const rest = Math.round(seconds - minutes * 60);
  return rest ? `${minutes} min ${rest} s` : `${minutes} min`;
}
