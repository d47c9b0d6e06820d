import * as React from 'react';

import { checksState } from '../checks';
import { useTranslation, withParts } from '../translation';
import { CheckResult, StepError } from '../types';
import { ChecksButton } from './ChecksButton';

export interface FailedStepProps {
  /** The name of the step that failed. */
  step: string;
  /** Where and why it failed, when the runner could tell. */
  error: StepError | null;
  /** `dataops-run-failed-step` or `dataops-execution-failed-step`. */
  className: string;
  /** Open the step's notebook at its cell; no link without it. */
  onGoToCell?: (error: StepError) => void;
  /** What the contracts of the step's tables found. */
  checks?: ReadonlyArray<CheckResult>;
  /** Open the step's check report. */
  onOpenChecks?: (step: string) => void;
}

/**
 * "Failed in step x: KeyError: 'price'" (the first line of the message),
 * a "more" toggle that shows the whole message when it has more lines, and
 * a link to the step's cell. Under it, the step's checks when a rule failed
 * or warned ("contract: 2 of 9 checks failed"); checks that all passed only
 * once expanded.
 */
export function FailedStep(props: FailedStepProps): JSX.Element {
  const { step, error, className, onGoToCell, onOpenChecks } = props;
  const checks = props.checks ?? [];
  const trans = useTranslation();
  const [expanded, setExpanded] = React.useState(false);
  const message = error ? errorMessage(error) : '';
  const [first, ...rest] = message.split('\n');
  const moreMessage = rest.some(line => line.trim() !== '');
  const quietChecks = checks.length > 0 && checksState(checks) === 'passed';
  const hasMore = moreMessage || quietChecks;
  const showChecks = checks.length > 0 && (!quietChecks || expanded);
  return (
    <div
      className={className}
      title={message}
      data-expanded={expanded ? 'true' : 'false'}
    >
      <div className="dataops-failed-step-line">
        {withParts(trans.__('Failed in step %1', '%1'), <code>{step}</code>)}
        {first ? `: ${first}` : ''}
        {hasMore && (
          <button
            type="button"
            className="dataops-failed-step-more"
            aria-expanded={expanded}
            aria-label={
              expanded
                ? trans.__('Show less of the error of step %1', step)
                : trans.__('Show all of the error of step %1', step)
            }
            onClick={() => setExpanded(!expanded)}
          >
            {expanded ? trans.__('less') : trans.__('more')}
          </button>
        )}
        {error && onGoToCell && (
          <button
            type="button"
            className="dataops-go-to-cell"
            aria-label={trans.__('Go to the cell of step %1', step)}
            title={trans.__('Open %1 at the failing cell', error.notebook)}
            onClick={() => onGoToCell(error)}
          >
            {trans.__('Go to cell')}
          </button>
        )}
      </div>
      {moreMessage && expanded && (
        <pre className="dataops-failed-step-message">{message}</pre>
      )}
      {showChecks && (
        <div className="dataops-failed-step-checks">
          <ChecksButton step={step} checks={checks} onOpen={onOpenChecks} />
        </div>
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
