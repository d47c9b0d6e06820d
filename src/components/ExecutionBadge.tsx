import * as React from 'react';

import { ExecutionStatus } from '../types';

/** Words shown for each execution status. */
export const EXECUTION_STATUS_LABELS: { [status in ExecutionStatus]: string } =
  {
    submitted: 'submitted',
    running: 'running',
    succeeded: 'succeeded',
    user_error: 'user error',
    platform_error: 'platform error',
    cancelled: 'cancelled',
    skipped: 'skipped'
  };

/** What each execution status means, shown as the badge's tooltip. */
const EXECUTION_STATUS_HELP: { [status in ExecutionStatus]: string } = {
  submitted: 'Waiting for a free slot to start',
  running: 'Running',
  succeeded: 'All steps succeeded',
  user_error: 'A step of the job failed',
  platform_error: 'The execution could not start or died (not the job’s fault)',
  cancelled: 'Cancelled',
  skipped: 'Skipped: the previous execution was still running'
};

/**
 * The status of an execution, as a coloured badge with a `data-status`
 * attribute (styled like the badges of local runs).
 */
export function ExecutionBadge(props: {
  status: ExecutionStatus;
}): JSX.Element {
  const { status } = props;
  return (
    <span
      className={`dataops-run-badge dataops-execution-badge dataops-mod-${status}`}
      data-status={status}
      title={EXECUTION_STATUS_HELP[status] ?? status}
    >
      {EXECUTION_STATUS_LABELS[status] ?? status}
    </span>
  );
}
