import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { translations, useTranslation } from '../translation';
import { ExecutionStatus } from '../types';

/** Words shown for each execution status, in the bundle's language. */
export function executionStatusLabels(trans: TranslationBundle): {
  [status in ExecutionStatus]: string;
} {
  return {
    submitted: trans.__('submitted'),
    running: trans.__('running'),
    succeeded: trans.__('succeeded'),
    user_error: trans.__('user error'),
    platform_error: trans.__('platform error'),
    cancelled: trans.__('cancelled'),
    skipped: trans.__('skipped')
  };
}

/** Words shown for each execution status, untranslated (the message ids). */
export const EXECUTION_STATUS_LABELS = executionStatusLabels(translations());

/** What each execution status means, shown as the badge's tooltip. */
function executionStatusHelp(trans: TranslationBundle): {
  [status in ExecutionStatus]: string;
} {
  return {
    submitted: trans.__('Waiting for a free slot to start'),
    running: trans.__('Running'),
    succeeded: trans.__('All steps succeeded'),
    user_error: trans.__('A step of the job failed'),
    platform_error: trans.__(
      'The execution could not start or died (not the job’s fault)'
    ),
    cancelled: trans.__('Cancelled'),
    skipped: trans.__('Skipped: the previous execution was still running')
  };
}

/**
 * The status of an execution, as a coloured badge with a `data-status`
 * attribute (styled like the badges of local runs).
 */
export function ExecutionBadge(props: {
  status: ExecutionStatus;
}): JSX.Element {
  const { status } = props;
  const trans = useTranslation();
  return (
    <span
      className={`dataops-run-badge dataops-execution-badge dataops-mod-${status}`}
      data-status={status}
      title={executionStatusHelp(trans)[status] ?? status}
    >
      {executionStatusLabels(trans)[status] ?? status}
    </span>
  );
}
