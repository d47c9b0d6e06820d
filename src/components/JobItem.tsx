import { runIcon } from '@jupyterlab/ui-components';
import * as React from 'react';

import { Job, Run, isActiveRun } from '../types';
import { RunList } from './RunList';

export interface JobItemProps {
  job: Job;
  /** Recent runs of the job, newest first. */
  runs: ReadonlyArray<Run>;
  /** Start a run of the job; resolves once the server accepted it. */
  onRun: (job: Job) => Promise<unknown>;
  /** Ask to cancel a queued or running run. */
  onCancel: (run: Run) => void;
}

/** One job: its name, description, steps, Run button and recent runs. */
export function JobItem(props: JobItemProps): JSX.Element {
  const { job, runs, onRun, onCancel } = props;
  const [starting, setStarting] = React.useState(false);
  const mounted = React.useRef(true);
  React.useEffect(
    () => () => {
      mounted.current = false;
    },
    []
  );

  const run = async (): Promise<void> => {
    setStarting(true);
    try {
      await onRun(job);
    } finally {
      if (mounted.current) {
        setStarting(false);
      }
    }
  };

  const steps = job.steps.length;
  const active = runs.some(isActiveRun);
  return (
    <li className="dataops-job" data-job={job.name}>
      <div className="dataops-job-header">
        <span className="dataops-job-name" title={job.path}>
          {job.name}
        </span>
        <span
          className="dataops-job-steps"
          title={job.steps.map(step => step.name).join(', ')}
        >
          {steps === 1 ? '1 step' : `${steps} steps`}
        </span>
        <button
          type="button"
          className="dataops-run-button jp-mod-styled"
          data-testid="dataops-run-button"
          aria-label={`Run ${job.name}`}
          title={active ? 'A run of this job is in progress' : 'Run this job'}
          disabled={starting}
          onClick={() => void run()}
        >
          <runIcon.react tag="span" className="dataops-run-button-icon" />
          Run
        </button>
      </div>
      {job.description && (
        <div className="dataops-job-description">{job.description}</div>
      )}
      <RunList runs={runs} onCancel={onCancel} />
    </li>
  );
}
