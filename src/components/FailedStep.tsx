import * as React from 'react';

import { StepError } from '../types';

export interface FailedStepProps {
  /** The name of the step that failed. */
  step: string;
  /** Where and why it failed, when the runner could tell. */
  error: StepError | null;
  /** `dataops-run-failed-step` or `dataops-execution-failed-step`. */
  className: string;
  /** Open the step's notebook at its cell; no link without it. */
  onGoToCell?: (error: StepError) => void;
}

/** "Failed in step x: KeyError", with a link to the step's cell. */
export function FailedStep(props: FailedStepProps): JSX.Element {
  const { step, error, className, onGoToCell } = props;
  return (
    <div
      className={className}
      title={error ? `${error.ename}: ${error.evalue}` : ''}
    >
      Failed in step <code>{step}</code>
      {error?.ename ? `: ${error.ename}` : ''}
      {error && onGoToCell && (
        <button
          type="button"
          className="dataops-go-to-cell"
          aria-label={`Go to the cell of step ${step}`}
          title={`Open ${error.notebook} at the failing cell`}
          onClick={() => onGoToCell(error)}
        >
          Go to cell
        </button>
      )}
    </div>
  );
}
