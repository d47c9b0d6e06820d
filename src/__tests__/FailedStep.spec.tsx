import * as React from 'react';
import { act } from 'react';

import { FailedStep, errorMessage } from '../components/FailedStep';
import { makeStepError } from './fixtures';
import { mountReactRoot } from './reactRoot';

describe('FailedStep', () => {
  const view = mountReactRoot();

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
      view.root.render(
        <FailedStep
          step="sales-mart"
          error={error}
          className="dataops-run-failed-step"
        />
      )
    );
    const line = view.container.querySelector('.dataops-failed-step-line')!;
    expect(line.textContent).toBe(
      'Failed in step sales-mart: UsageError: Catalog Error: Table with name all_products does not exist!more'
    );
    expect(
      view.container.querySelector('.dataops-failed-step-message')
    ).toBeNull();

    const more = view.container.querySelector(
      'button[aria-label="Show all of the error of step sales-mart"]'
    ) as HTMLButtonElement;
    expect(more.getAttribute('aria-expanded')).toBe('false');
    act(() => more.click());
    expect(
      view.container.querySelector('.dataops-failed-step-message')!.textContent
    ).toBe(`UsageError: ${message}`);
    expect(more.textContent).toBe('less');
    expect(more.getAttribute('aria-expanded')).toBe('true');

    act(() => more.click());
    expect(
      view.container.querySelector('.dataops-failed-step-message')
    ).toBeNull();
  });

  it('has no toggle for a one-line message, and says the class alone without one', () => {
    act(() =>
      view.root.render(
        <FailedStep
          step="load"
          error={makeStepError('load', 'a.ipynb', 1, 'KeyError', "'price'")}
          className="dataops-run-failed-step"
        />
      )
    );
    expect(view.container.textContent).toBe(
      "Failed in step load: KeyError: 'price'"
    );
    expect(
      view.container.querySelector('.dataops-failed-step-more')
    ).toBeNull();
    expect(errorMessage({ ename: 'SystemExit', evalue: '' })).toBe(
      'SystemExit'
    );
    expect(errorMessage({ ename: '', evalue: 'the kernel died' })).toBe(
      'the kernel died'
    );
  });
});
