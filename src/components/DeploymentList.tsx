import * as React from 'react';

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
}

/** The jobs deployed to the control service, or why none show. */
export function DeploymentList(props: DeploymentListProps): JSX.Element {
  const { configured, status, jobs, executions, hasLoaded, error, ...actions } =
    props;
  if (configured === false) {
    return (
      <div className="dataops-deployment-list">
        <div className="dataops-control-not-configured">
          The control service is not configured. Set{' '}
          <code>DataOpsExtension.control_url</code> (or{' '}
          <code>$DATAOPS_URL</code>), or turn on{' '}
          <code>DataOpsExtension.embedded_control_service</code>, to deploy jobs
          and run them on a schedule.
        </div>
      </div>
    );
  }
  return (
    <div className="dataops-deployment-list">
      {status !== null && <ServiceLine status={status} />}
      {error !== null && (
        <div className="dataops-error" role="alert">
          Could not load deployments: {error}
        </div>
      )}
      {!hasLoaded && error === null && (
        <div className="dataops-loading">Loading deployments…</div>
      )}
      {hasLoaded && error === null && jobs.length === 0 && (
        <div className="dataops-empty">
          No deployed jobs yet. Deploy a job from the Jobs section to run it on
          the control service.
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
  );
}

/** Which control service, for which team; why it is down if it is. */
function ServiceLine(props: { status: ControlStatus }): JSX.Element {
  const { status } = props;
  const where = status.embedded
    ? 'Embedded control service'
    : `Control service ${status.url ?? ''}`.trim();
  const team = status.team ? ` · team ${status.team}` : '';
  return (
    <div
      className="dataops-control-status"
      data-running={status.running ? 'true' : 'false'}
      title={status.version ? `Version ${status.version}` : ''}
    >
      {where}
      {team}
      {!status.running && status.message && (
        <div className="dataops-control-status-message">{status.message}</div>
      )}
    </div>
  );
}
