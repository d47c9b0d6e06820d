import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { TranslationContext, useTranslation, withParts } from '../translation';
import { ControlJob, InvalidJob, Job, Run } from '../types';
import { JobActions, JobItem } from './JobItem';

/** What the job list needs to deploy jobs to the control service. */
export interface JobListDeployProps {
  /** A job on the control service by name, if it is there. */
  deployed: (job: string) => ControlJob | undefined;
  /** Whether a deploy of the job is in progress. */
  isDeploying: (job: string) => boolean;
  /** Deploy a job folder; resolves once the deploy ended. */
  onDeploy: (job: Job) => Promise<unknown>;
}

export interface JobListProps extends JobActions {
  jobs: ReadonlyArray<Job>;
  invalid: ReadonlyArray<InvalidJob>;
  /** Recent runs of a job, newest first. */
  runs: (job: string) => ReadonlyArray<Run>;
  /** Whether the jobs have been loaded at least once. */
  hasLoaded: boolean;
  /** Why the last load failed, or null. */
  error: string | null;
  /** Deploying; absent when the server has no control service. */
  deploy?: JobListDeployProps;
  /** The bundle the list and its rows write with (the enclosing one if absent). */
  trans?: TranslationBundle;
  /** Whether `jobs` are the matches of a filter (none is not "no jobs found"). */
  filtered?: boolean;
  /** Below the jobs, above the folders that do not load: "Show more jobs". */
  children?: React.ReactNode;
}

/** All jobs with their runs, the job folders that do not load, or why none show. */
export function JobList(props: JobListProps): JSX.Element {
  const enclosing = useTranslation();
  const { jobs, invalid, runs, hasLoaded, error, deploy, ...rest } = props;
  const { trans = enclosing, filtered, children, ...actions } = rest;
  return (
    <TranslationContext.Provider value={trans}>
      <div className="dataops-job-list">
        {error !== null && (
          <div className="dataops-error" role="alert">
            {trans.__('Could not load data jobs: %1', error)}
          </div>
        )}
        {!hasLoaded && error === null && (
          <div className="dataops-loading">
            {trans.__('Loading data jobs…')}
          </div>
        )}
        {hasLoaded && error === null && jobs.length === 0 && !filtered && (
          <div className="dataops-empty">
            {withParts(
              trans.__(
                'No data jobs found. A data job is a folder with a %1 file and a notebook whose code cells tagged %2 make up the job.',
                '%1',
                '%2'
              ),
              <code>job.toml</code>,
              <code>step</code>
            )}
          </div>
        )}
        {jobs.length > 0 && (
          <ul className="dataops-jobs">
            {jobs.map(job => (
              <JobItem
                key={job.name}
                job={job}
                runs={runs(job.name)}
                {...actions}
                deployment={
                  deploy && {
                    deployed: deploy.deployed(job.name),
                    deploying: deploy.isDeploying(job.name),
                    onDeploy: deploy.onDeploy
                  }
                }
              />
            ))}
          </ul>
        )}
        {children}
        {invalid.length > 0 && (
          <div className="dataops-invalid-jobs">
            <div className="dataops-invalid-jobs-title">
              {trans.__('Job folders that do not load')}
            </div>
            <ul>
              {invalid.map(item => (
                <li
                  key={item.path}
                  className="dataops-invalid-job"
                  data-path={item.path}
                >
                  <span className="dataops-invalid-job-path">{item.path}</span>
                  <span className="dataops-invalid-job-message">
                    {item.message}
                  </span>
                </li>
              ))}
            </ul>
          </div>
        )}
      </div>
    </TranslationContext.Provider>
  );
}
