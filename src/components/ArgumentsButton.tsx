import * as React from 'react';

export interface ArgumentsButtonProps {
  /** "Run orders with arguments". */
  label: string;
  disabled: boolean;
  onClick: () => void;
}

/** The "…" beside Run or Execute: start with arguments chosen in a dialog. */
export function ArgumentsButton(props: ArgumentsButtonProps): JSX.Element {
  return (
    <button
      type="button"
      className="dataops-arguments-button jp-mod-styled"
      aria-label={props.label}
      title={`${props.label}…`}
      disabled={props.disabled}
      onClick={props.onClick}
    >
      …
    </button>
  );
}
