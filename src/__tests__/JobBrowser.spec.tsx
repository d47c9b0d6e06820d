import { nullTranslator } from '@jupyterlab/translation';
import * as React from 'react';
import { act } from 'react';

import { JOBS_PAGE, JobBrowser } from '../components/JobBrowser';
import { JobList } from '../components/JobList';
import { Job } from '../types';
import { makeJob } from './fixtures';
import { mountReactRoot } from './reactRoot';

describe('JobBrowser', () => {
  const view = mountReactRoot();
  const trans = nullTranslator.load('dataops_jupyter');

  function render(jobs: Job[]): void {
    act(() =>
      view.root.render(
        <JobBrowser jobs={jobs} trans={trans}>
          {shown => (
            <JobList
              jobs={shown.jobs}
              filtered={shown.filtered}
              invalid={[]}
              runs={() => []}
              hasLoaded={true}
              error={null}
              onRun={() => Promise.resolve()}
              onCancel={() => undefined}
            >
              {shown.more}
            </JobList>
          )}
        </JobBrowser>
      )
    );
  }

  const many = (count: number) =>
    Array.from({ length: count }, (_, i) =>
      makeJob(`job-${String(i).padStart(4, '0')}`)
    );
  const rows = () =>
    Array.from(view.container.querySelectorAll('.dataops-job')).map(row =>
      row.getAttribute('data-job')
    );
  const query = (selector: string) => view.container.querySelector(selector);
  const type = (text: string) => {
    const input = query('.dataops-job-filter-input') as HTMLInputElement;
    const setValue = Object.getOwnPropertyDescriptor(
      HTMLInputElement.prototype,
      'value'
    )!.set!;
    act(() => {
      setValue.call(input, text);
      input.dispatchEvent(new Event('input', { bubbles: true }));
    });
  };
  const showMore = () =>
    act(() =>
      (
        query(
          '.dataops-show-more-jobs .dataops-show-more-button'
        ) as HTMLElement
      ).click()
    );

  it('shows a page of many jobs and more on demand', () => {
    render(many(120));
    expect(rows()).toHaveLength(JOBS_PAGE);
    expect(query('.dataops-show-more-jobs')!.textContent).toBe(
      'Show 50 more jobs (70 not shown)'
    );
    showMore();
    expect(rows()).toHaveLength(100);
    showMore();
    expect(rows()).toHaveLength(120);
    expect(rows()[119]).toBe('job-0119');
    expect(query('.dataops-show-more-jobs')).toBeNull();
  });

  it('filters the jobs by name, and says when none matches', () => {
    render(many(120));
    expect(query('.dataops-job-filter-count')!.textContent).toBe('120 jobs');
    type('JOB-011');
    expect(rows()).toEqual(Array.from({ length: 10 }, (_, i) => `job-011${i}`));
    expect(query('.dataops-job-filter-count')!.textContent).toBe(
      '10 of 120 jobs'
    );
    expect(query('.dataops-show-more-jobs')).toBeNull();
    type('orders');
    expect(rows()).toEqual([]);
    expect(query('.dataops-job-filter-empty')!.textContent).toBe(
      'No job name or folder contains “orders”.'
    );
    expect(query('.dataops-empty')).toBeNull();
    type('');
    expect(rows()).toHaveLength(JOBS_PAGE);
  });

  it('keeps the filter while the jobs are refreshed', () => {
    render(many(120));
    type('job-0042');
    render(many(121));
    expect(rows()).toEqual(['job-0042']);
  });

  it('offers no filter for a few jobs', () => {
    render(many(3));
    expect(query('.dataops-job-filter')).toBeNull();
    expect(rows()).toHaveLength(3);
    render([]);
    expect(query('.dataops-empty')).not.toBeNull();
  });
});
