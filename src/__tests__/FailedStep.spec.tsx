import * as React from 'react';
import { act } from 'react';
import { Root, createRoot } from 'react-dom/client';

import { FailedStep, errorMessage } from '../components/FailedStep';
import { makeStepError } from './fixtures';

(globalThis as any).IS_REACT_ACT_ENVIRONMENT = true;

describe('FailedStep', () => {
  let container: HTMLDivElement;
  let root: Root;

  beforeEach(() => {
    container = document.createElement('div');
    document.body.appendChild(container);
    root = createRoot(container);
  });

  afterEach(() => {
    act(() => root.unmount());
    container.remove();
  });

  const message =
    'Catalog Error: Table with name all_products does not exist!\n' +
    'Did you mean "products"?\n\nLINE 1: SELECT * FROM all_products';

  it('shows the first line of the message and all of it on demand', () => {
    const error = makeStepError(
      'sales-mart',
      'mart.ipynb',
      3,
      'UsageError',
      message
    );
    act(() =>
      root.render(
        <FailedStep
          step="sales-mart"
          error={error}
          className="dataops-run-failed-step"
        />
      )
    );
    const line = container.querySelector('.dataops-failed-step-line')!;
    expect(line.textContent).toBe(
      'Failed in step sales-mart: UsageError: Catalog Error: Table with name all_products does not exist!more'
    );
    expect(container.querySelector('.dataops-failed-step-message')).toBeNull();

    const more = container.querySelector(
      'button[aria-label="Show all of the error of step sales-mart"]'
    ) as HTMLButtonElement;
    expect(more.getAttribute('aria-expanded')).toBe('false');
    act(() => more.click());
    expect(
      container.querySelector('.dataops-failed-step-message')!.textContent
    ).toBe(`UsageError: ${message}`);
    expect(more.textContent).toBe('less');
    expect(more.getAttribute('aria-expanded')).toBe('true');

    act(() => more.click());
    expect(container.querySelector('.dataops-failed-step-message')).toBeNull();
  });

  it('has no toggle for a one-line message, and says the class alone without one', () => {
    act(() =>
      root.render(
        <FailedStep
          step="load"
          error={makeStepError('load', 'a.ipynb', 1, 'KeyError', "'price'")}
          className="dataops-run-failed-step"
        />
      )
    );
    expect(container.textContent).toBe(
      "Failed in step load: KeyError: 'price'"
    );
    expect(container.querySelector('.dataops-failed-step-more')).toBeNull();
    expect(errorMessage({ ename: 'SystemExit', evalue: '' })).toBe(
      'SystemExit'
    );
    expect(errorMessage({ ename: '', evalue: 'the kernel died' })).toBe(
      'the kernel died'
    );
  });
});
