import * as React from 'react';

export interface CancelButtonProps {
  /** What the button cancels, for screen readers: "Cancel run r1". */
  label: string;
  /** The tooltip. */
  title: string;
  onClick: () => void;
}

/** The small Cancel button of a queued or running run or execution. */
export function CancelButton(props: CancelButtonProps): JSX.Element {
  return (
    <button
      type="button"
      className="dataops-cancel-button jp-mod-styled"
      aria-label={props.label}
      title={props.title}
      onClick={props.onClick}
    >
      Cancel
    </button>
  );
}
