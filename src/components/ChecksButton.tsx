import * as React from 'react';

import { checksLine, checksState } from '../checks';
import { useTranslation, withParts } from '../translation';
import { CheckResult, StepResult } from '../types';

export interface ChecksButtonProps {
  /** The step whose checks these are. */
  step: string;
  checks: ReadonlyArray<CheckResult>;
  /** Open the step's check report; plain text without it. */
  onOpen?: (step: string) => void;
}

/**
 * "contract: 2 of 9 checks failed": a step's checks in one line, a button
 * that opens the check report.
 */
export function ChecksButton(props: ChecksButtonProps): JSX.Element {
  const { step, checks, onOpen } = props;
  const trans = useTranslation();
  const line = checksLine(checks, trans);
  const state = checksState(checks);
  if (!onOpen) {
    return (
      <span className="dataops-checks-line" data-state={state}>
        {line}
      </span>
    );
  }
  return (
    <button
      type="button"
      className="dataops-checks-line dataops-checks-button"
      data-state={state}
      aria-label={trans.__('%1 in step %2', line, step)}
      title={trans.__('Open the contract check report of step %1', step)}
      onClick={() => onOpen(step)}
    >
      {line}
    </button>
  );
}

export interface StepChecksProps {
  /** The steps of a run or an execution, in order. */
  steps: ReadonlyArray<StepResult>;
  /** A step shown elsewhere (the failed step): left out here. */
  except?: string;
  /** Open a step's check report. */
  onOpen?: (step: string) => void;
}

/**
 * One line per step whose checks failed or warned: "step load · contract:
 * 9 checks passed, 1 warning". Steps whose checks all passed stay quiet.
 */
export function StepChecks(props: StepChecksProps): JSX.Element | null {
  const { steps, except, onOpen } = props;
  const trans = useTranslation();
  const shown = steps.filter(
    step =>
      step.name !== except &&
      (step.checks ?? []).length > 0 &&
      checksState(step.checks) !== 'passed'
  );
  if (shown.length === 0) {
    return null;
  }
  return (
    <>
      {shown.map(step => (
        <div
          key={step.name}
          className="dataops-step-checks"
          data-step={step.name}
        >
          {withParts(trans.__('step %1', '%1'), <code>{step.name}</code>)}
          {' · '}

          <ChecksButton step={step.name} checks={step.checks} onOpen={onOpen} />
        </div>
      ))}
    </>
  );
}
