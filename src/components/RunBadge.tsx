import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { translations, useTranslation } from '../translation';
import { RunStatus } from '../types';

/** Words shown for each run status, in the bundle's language. */
export function runStatusLabels(trans: TranslationBundle): {
  [status in RunStatus]: string;
} {
  return {
    queued: trans.__('queued'),
    running: trans.__('running'),
    succeeded: trans.__('succeeded'),
    failed: trans.__('failed'),
    cancelled: trans.__('cancelled'),
    timed_out: trans.__('timed out')
  };
}

/** Words shown for each run status, untranslated (the message ids). */
export const RUN_STATUS_LABELS = runStatusLabels(translations());

/** The status of a run, as a coloured badge with a `data-status` attribute. */
export function RunBadge(props: { status: RunStatus }): JSX.Element {
  const { status } = props;
  const labels = runStatusLabels(useTranslation());
  return (
    <span
      className={`dataops-run-badge dataops-mod-${status}`}
      data-status={status}
    >
      {labels[status] ?? status}
    </span>
  );
}
