import * as React from 'react';

import { useTranslation } from '../translation';

interface IRowButtonProps {
  /** What the button acts on, for screen readers: "Cancel run r1". */
  label: string;
  /** The tooltip. */
  title: string;
  onClick: () => void;
}

/** The small Cancel button of a queued or running run or execution. */
export function CancelButton(props: IRowButtonProps): JSX.Element {
  const trans = useTranslation();
  return (
    <RowButton
      {...props}
      className="dataops-cancel-button"
      text={trans.__('Cancel')}
    />
  );
}

/** The small Log button of a run or execution. */
export function LogButton(props: IRowButtonProps): JSX.Element {
  const trans = useTranslation();
  return (
    <RowButton
      {...props}
      className="dataops-log-button"
      text={trans.__('Log')}
    />
  );
}

/** The small Output button of a run or execution: its executed notebook. */
export function OutputButton(props: IRowButtonProps): JSX.Element {
  const trans = useTranslation();
  return (
    <RowButton
      {...props}
      className="dataops-output-button"
      text={trans.__('Output')}
    />
  );
}

/** The small Again button of an ended run or execution: start it anew. */
export function AgainButton(props: IRowButtonProps): JSX.Element {
  const trans = useTranslation();
  return (
    <RowButton
      {...props}
      className="dataops-again-button"
      text={trans.__('Again')}
    />
  );
}

function RowButton(
  props: IRowButtonProps & { className: string; text: string }
): JSX.Element {
  return (
    <button
      type="button"
      className={`${props.className} jp-mod-styled`}
      aria-label={props.label}
      title={props.title}
      onClick={props.onClick}
    >
      {props.text}
    </button>
  );
}
