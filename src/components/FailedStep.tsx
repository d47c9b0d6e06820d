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

/**
 * "Failed in step x: KeyError: 'price'" (the first line of the message),
 * a "more" toggle that shows the whole message when it has more lines, and
 * a link to the step's cell.
 */
export function FailedStep(props: FailedStepProps): JSX.Element {
  const { step, error, className, onGoToCell } = props;
  const [expanded, setExpanded] = React.useState(false);
  const message = error ? errorMessage(error) : '';
  const [first, ...rest] = message.split('\n');
  const hasMore = rest.some(line => line.trim() !== '');
  return (
    <div
      className={className}
      title={message}
      data-expanded={expanded ? 'true' : 'false'}
    >
      <div className="dataops-failed-step-line">
        Failed in step <code>{step}</code>
        {first ? `: ${first}` : ''}
        {hasMore && (
          <button
            type="button"
            className="dataops-failed-step-more"
            aria-expanded={expanded}
            aria-label={
              expanded
                ? `Show less of the error of step ${step}`
                : `Show all of the error of step ${step}`
            }
            onClick={() => setExpanded(!expanded)}
          >
            {expanded ? 'less' : 'more'}
          </button>
        )}
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
      {hasMore && expanded && (
        <pre className="dataops-failed-step-message">{message}</pre>
      )}
    </div>
  );
}

/** "UsageError: Catalog Error: …": the exception's class and its message. */
export function errorMessage(
  error: Pick<StepError, 'ename' | 'evalue'>
): string {
  const value = (error.evalue ?? '').trim();
  if (!error.ename) {
    return value;
  }
  return value ? `${error.ename}: ${value}` : error.ename;
}
