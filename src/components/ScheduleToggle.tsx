import * as React from 'react';

import { useTranslation } from '../translation';

export interface ScheduleToggleProps {
  /** The job whose schedule this turns on and off. */
  job: string;
  enabled: boolean;
  /** The toggle cannot be used (no schedule, nothing deployed, or busy). */
  disabled?: boolean;
  /** Why it is disabled, shown as the tooltip. */
  reason?: string;
  onChange: (enabled: boolean) => void;
}

/** A switch that turns the schedule of a deployed job on or off. */
export function ScheduleToggle(props: ScheduleToggleProps): JSX.Element {
  const { job, enabled, disabled, reason, onChange } = props;
  const trans = useTranslation();
  const title =
    disabled && reason
      ? reason
      : enabled
        ? trans.__('The schedule is on: click to pause it')
        : trans.__('The schedule is off: click to turn it on');
  return (
    <button
      type="button"
      role="switch"
      aria-checked={enabled}
      aria-label={trans.__('Schedule of %1', job)}
      className={`dataops-schedule-toggle${enabled ? ' dataops-mod-on' : ''}`}
      data-enabled={enabled ? 'true' : 'false'}
      disabled={disabled}
      title={title}
      onClick={() => onChange(!enabled)}
    >
      <span className="dataops-schedule-toggle-track">
        <span className="dataops-schedule-toggle-thumb" />
      </span>
      <span className="dataops-schedule-toggle-label">
        {enabled ? trans.__('On') : trans.__('Off')}
      </span>
    </button>
  );
}
