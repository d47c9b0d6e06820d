import * as React from 'react';

import { RunStatus } from '../types';

/** Words shown for each run status. */
export const RUN_STATUS_LABELS: { [status in RunStatus]: string } = {
  queued: 'queued',
  running: 'running',
  succeeded: 'succeeded',
  failed: 'failed',
  cancelled: 'cancelled',
  timed_out: 'timed out'
};

/** The status of a run, as a coloured badge with a `data-status` attribute. */
export function RunBadge(props: { status: RunStatus }): JSX.Element {
  const { status } = props;
  return (
    <span
      className={`dataops-run-badge dataops-mod-${status}`}
      data-status={status}
    >
      {RUN_STATUS_LABELS[status] ?? status}
    </span>
  );
}
