import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { TranslationContext, useTranslation, withParts } from '../translation';
import { ControlJob, ControlStatus, Execution } from '../types';
import { DeploymentActions, DeploymentItem } from './DeploymentItem';

export interface DeploymentListProps extends DeploymentActions {
  /** Whether the server has a control service; null until known. */
  configured: boolean | null;
  /** Which control service the server uses, once known. */
  status: ControlStatus | null;
  /** The team's jobs on the control service, sorted by name. */
  jobs: ReadonlyArray<ControlJob>;
  /** Recent executions of a job, newest first. */
  executions: (job: string) => ReadonlyArray<Execution>;
  /** Whether the jobs have been loaded at least once. */
  hasLoaded: boolean;
  /** Why the last load failed, or null. */
  error: string | null;
  /** The bundle the list and its rows write with (the enclosing one if absent). */
  trans?: TranslationBundle;
}

/** The jobs deployed to the control service, or why none show. */
export function DeploymentList(props: DeploymentListProps): JSX.Element {
  const enclosing = useTranslation();
  const { configured, status, jobs, executions, hasLoaded, error, ...rest } =
    props;
  const { trans = enclosing, ...actions } = rest;
  if (configured === false) {
    return (
      <div className="dataops-deployment-list">
        <div className="dataops-control-not-configured">
          {withParts(
            trans.__(
              'The control service is not configured. Set %1 (or %2), or turn on %3, to deploy jobs and run them on a schedule.',
              '%1',
              '%2',
              '%3'
            ),
            <code>DataOpsExtension.control_url</code>,
            <code>$DATAOPS_URL</code>,
            <code>DataOpsExtension.embedded_control_service</code>
          )}
        </div>
      </div>
    );
  }
  return (
    <TranslationContext.Provider value={trans}>
      <div className="dataops-deployment-list">
        {status !== null && <ServiceLine status={status} />}
        {error !== null && (
          <div className="dataops-error" role="alert">
            {trans.__('Could not load deployments: %1', error)}
          </div>
        )}
        {!hasLoaded && error === null && (
          <div className="dataops-loading">
            {trans.__('Loading deployments…')}
          </div>
        )}
        {hasLoaded && error === null && jobs.length === 0 && (
          <div className="dataops-empty">
            {trans.__(
              'No deployed jobs yet. Deploy a job from the Jobs section to run it on the control service.'
            )}
          </div>
        )}
        {jobs.length > 0 && (
          <ul className="dataops-deployments">
            {jobs.map(job => (
              <DeploymentItem
                key={job.name}
                job={job}
                executions={executions(job.name)}
                {...actions}
              />
            ))}
          </ul>
        )}
      </div>
    </TranslationContext.Provider>
  );
}

/** Which control service, for which team; why it is down if it is. */
function ServiceLine(props: { status: ControlStatus }): JSX.Element {
  const { status } = props;
  const trans = useTranslation();
  const where = status.embedded
    ? trans.__('Embedded control service')
    : trans.__('Control service %1', status.url ?? '').trim();
  const team = status.team ? ` ${trans.__('· team %1', status.team)}` : '';
  return (
    <div
      className="dataops-control-status"
      data-running={status.running ? 'true' : 'false'}
      title={status.version ? trans.__('Version %1', status.version) : ''}
    >
      {where}
      {team}
      {!status.running && status.message && (
        <div className="dataops-control-status-message">{status.message}</div>
      )}
    </div>
  );
}
