import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { Job } from '../types';

/** Jobs shown at first, and how many more each "Show more jobs" adds. */
export const JOBS_PAGE = 50;
/** The filter box is offered from this many jobs on. */
export const FILTER_FROM = 10;

/** What the list below the filter shows. */
export interface IJobBrowserView {
  /** The jobs to show: the first pages of those that match the filter. */
  jobs: ReadonlyArray<Job>;
  /** Whether a filter is typed (no "no jobs found" text when none match). */
  filtered: boolean;
  /** The "Show more jobs" button, or null when every match is shown. */
  more: JSX.Element | null;
}

export interface JobBrowserProps {
  jobs: ReadonlyArray<Job>;
  trans: TranslationBundle;
  /** The list, given what to show. */
  children: (view: IJobBrowserView) => JSX.Element;
}

/** Whether a job matches a filter: its name or folder contains the text, in any case. */
export function matchesFilter(job: Job, filter: string): boolean {
  const text = filter.trim().toLowerCase();
  return (
    text === '' ||
    job.name.toLowerCase().includes(text) ||
    job.path.toLowerCase().includes(text)
  );
}

/**
 * A filter box over the jobs and paging of the matches, so that a workspace
 * of a thousand jobs renders a page of rows, not all of them.
 */
export function JobBrowser(props: JobBrowserProps): JSX.Element {
  const { jobs, trans, children } = props;
  const [filter, setFilter] = React.useState('');
  const [limit, setLimit] = React.useState(JOBS_PAGE);
  const matches = React.useMemo(
    () =>
      filter.trim() ? jobs.filter(job => matchesFilter(job, filter)) : jobs,
    [jobs, filter]
  );
  const hidden = matches.length - limit;
  const more =
    hidden > 0 ? (
      <div className="dataops-show-more dataops-show-more-jobs">
        <button
          type="button"
          className="dataops-show-more-button"
          onClick={() => setLimit(limit + JOBS_PAGE)}
        >
          {trans.__(
            'Show %1 more jobs (%2 not shown)',
            Math.min(hidden, JOBS_PAGE),
            hidden
          )}
        </button>
      </div>
    ) : null;
  const offered = jobs.length >= FILTER_FROM || filter !== '';
  return (
    <div className="dataops-job-browser">
      {offered && (
        <div className="dataops-job-filter">
          <input
            type="search"
            className="dataops-job-filter-input jp-mod-styled"
            placeholder={trans.__('Filter jobs')}
            aria-label={trans.__('Filter jobs by name or folder')}
            value={filter}
            onChange={event => {
              setFilter(event.target.value);
              setLimit(JOBS_PAGE);
            }}
            onKeyDown={event => {
              if (event.key === 'Escape' && filter !== '') {
                event.stopPropagation();
                setFilter('');
                setLimit(JOBS_PAGE);
              }
            }}
          />
          <span className="dataops-job-filter-count" aria-live="polite">
            {filter.trim()
              ? trans.__('%1 of %2 jobs', matches.length, jobs.length)
              : trans.__('%1 jobs', jobs.length)}
          </span>
        </div>
      )}
      {filter.trim() !== '' && matches.length === 0 && jobs.length > 0 && (
        <div className="dataops-job-filter-empty">
          {trans.__('No job name or folder contains “%1”.', filter.trim())}
        </div>
      )}
      {children({
        jobs: hidden > 0 ? matches.slice(0, limit) : matches,
        filtered: filter.trim() !== '',
        more
      })}
    </div>
  );
}
