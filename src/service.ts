import { URLExt } from '@jupyterlab/coreutils';
import * as nbformat from '@jupyterlab/nbformat';
import { ServerConnection } from '@jupyterlab/services';

import { DataOpsRequestError, extensionMissing, requestAPI } from './request';
import {
  ActivateRequest,
  Arguments,
  Config,
  ControlConnection,
  ControlConnectionRequest,
  ControlJob,
  ControlJobList,
  ControlStatus,
  CreateJobRequest,
  DeployRequest,
  Deployment,
  DeploymentList,
  Execution,
  ExecutionList,
  Job,
  JobList,
  JobListWithRuns,
  LogChunk,
  Run,
  RunList,
  SchedulePreview,
  RunPage,
  RunStatus,
  ExecutionStatus,
  SecretNames,
  SetSecretRequest,
  StartExecutionRequest,
  StartRunRequest,
  UpdateControlJobRequest
} from './types';

/**
 * Typed client of the server extension's REST API, one method per route.
 *
 * Every method rejects with a `DataOpsRequestError` on failure.
 */
export class DataOpsService {
  constructor(options: DataOpsService.IOptions = {}) {
    this.serverSettings =
      options.serverSettings ?? ServerConnection.makeSettings();
  }

  readonly serverSettings: ServerConnection.ISettings;

  /**
   * `GET /dataops/config`. A 404, or a page that is not JSON, means that the
   * server extension is not running (kind `extension-missing`).
   */
  async getConfig(): Promise<Config> {
    try {
      return await this._get<Config>('config');
    } catch (error) {
      if (
        error instanceof DataOpsRequestError &&
        error.kind === 'invalid_response'
      ) {
        throw extensionMissing(error.status);
      }
      throw error;
    }
  }

  /** `GET /dataops/jobs`: valid jobs and job folders that do not load. */
  listJobs(): Promise<JobList> {
    return this._get<JobList>('jobs');
  }

  /**
   * `GET /dataops/jobs?runs=N`: the jobs and the newest `runs` runs of each,
   * in one request.
   */
  listJobsWithRuns(runs: number): Promise<JobListWithRuns> {
    return this._get<JobListWithRuns>(
      `jobs${URLExt.objectToQueryString({ runs: String(runs) })}`
    );
  }

  /** `GET /dataops/jobs/{name}` */
  getJob(name: string): Promise<Job> {
    return this._get<Job>(`jobs/${encodeURIComponent(name)}`);
  }

  /**
   * `POST /dataops/jobs`: create a job folder from the template, or make a
   * notebook a job (`notebook`).
   */
  createJob(request: CreateJobRequest): Promise<Job> {
    return this._post<Job>('jobs', request);
  }

  /**
   * `GET /dataops/schedule`: the next `count` times a cron fires in a
   * timezone, as the control service reads it; rejects (400) with the
   * reason when the cron or the timezone is not valid.
   */
  previewSchedule(
    cron: string,
    timezone: string,
    count = 3
  ): Promise<SchedulePreview> {
    return this._get<SchedulePreview>(
      `schedule${URLExt.objectToQueryString({ cron, timezone, count: String(count) })}`
    );
  }

  /**
   * `POST /dataops/jobs/{name}/runs`: start a local run; refused (409) while
   * another run of the job is active, unless `force`.
   */
  startRun(name: string, args?: Arguments, force = false): Promise<Run> {
    const body: StartRunRequest = args === undefined ? {} : { arguments: args };
    if (force) {
      body.force = true;
    }
    return this._post<Run>(`jobs/${encodeURIComponent(name)}/runs`, body);
  }

  /**
   * `GET /dataops/jobs/{name}/runs`: a page of the job's runs, newest first,
   * optionally only those with one of `status`.
   */
  listJobRuns(
    name: string,
    options: DataOpsService.IPageOptions<RunStatus> = {}
  ): Promise<RunPage> {
    return this._get<RunPage>(
      `jobs/${encodeURIComponent(name)}/runs${pageQuery(options)}`
    );
  }

  /** `GET /dataops/runs`: runs, newest first. */
  async listRuns(
    options: DataOpsService.IListRunsOptions = {}
  ): Promise<Run[]> {
    const query: { [key: string]: string } = {};
    if (options.job !== undefined) {
      query.job = options.job;
    }
    if (options.limit !== undefined) {
      query.limit = String(options.limit);
    }
    const answer = await this._get<RunList>(
      `runs${URLExt.objectToQueryString(query)}`
    );
    return answer.runs;
  }

  /** `GET /dataops/runs/{run_id}` */
  getRun(runId: string): Promise<Run> {
    return this._get<Run>(`runs/${encodeURIComponent(runId)}`);
  }

  /** `GET /dataops/runs/{run_id}/log`: the log text from `offset` (bytes). */
  getLog(runId: string, offset = 0): Promise<LogChunk> {
    return this._get<LogChunk>(
      `runs/${encodeURIComponent(runId)}/log${URLExt.objectToQueryString({
        offset: String(offset)
      })}`
    );
  }

  /** `GET /dataops/runs/{run_id}/notebook`: the run's executed notebook. */
  getRunNotebook(runId: string): Promise<nbformat.INotebookContent> {
    return this._get<nbformat.INotebookContent>(
      `runs/${encodeURIComponent(runId)}/notebook`
    );
  }

  /** `POST /dataops/runs/{run_id}/cancel` */
  cancelRun(runId: string): Promise<Run> {
    return this._post<Run>(`runs/${encodeURIComponent(runId)}/cancel`, {});
  }

  /*
   * Control service, relayed by the server under `/dataops/control/`.
   */

  /** `GET /dataops/control/status`: which control service, and whether it answers. */
  getControlStatus(): Promise<ControlStatus> {
    return this._get<ControlStatus>('control/status');
  }

  /** `GET /dataops/control/connection`: the control service this server uses. */
  getControlConnection(): Promise<ControlConnection> {
    return this._get<ControlConnection>('control/connection');
  }

  /**
   * `PUT /dataops/control/connection`: use another control service (or,
   * with an empty URL, the server's own configuration). The server keeps the
   * token; the answer only says whether one is set.
   */
  setControlConnection(
    request: ControlConnectionRequest
  ): Promise<ControlConnection> {
    return this._send<ControlConnection>('PUT', 'control/connection', request);
  }

  /** `GET /dataops/control/jobs`: the team's jobs on the service, by name. */
  async listControlJobs(): Promise<ControlJob[]> {
    const answer = await this._get<ControlJobList>('control/jobs');
    return answer.jobs;
  }

  /** `GET /dataops/control/jobs/{job}`: one job, with its next runs. */
  getControlJob(job: string): Promise<ControlJob> {
    return this._get<ControlJob>(controlJobPath(job));
  }

  /** `PATCH /dataops/control/jobs/{job}`: change its schedule state or description. */
  updateControlJob(
    job: string,
    changes: UpdateControlJobRequest
  ): Promise<ControlJob> {
    return this._send<ControlJob>('PATCH', controlJobPath(job), changes);
  }

  /**
   * `DELETE /dataops/control/jobs/{job}`: delete a job from the control
   * service, with its versions, executions, properties and secrets.
   */
  async deleteControlJob(job: string): Promise<void> {
    await requestAPI<void>(
      controlJobPath(job),
      { method: 'DELETE' },
      this.serverSettings
    );
  }

  /** Turn the schedule of a deployed job on or off. */
  setJobEnabled(job: string, enabled: boolean): Promise<ControlJob> {
    return this.updateControlJob(job, { enabled });
  }

  /**
   * `POST /dataops/control/jobs/{job}/deployments`: deploy the job folder
   * `{job}` under the server root and make it the active version.
   *
   * Takes as long as the job's tests. Without `force`, a folder that did not
   * change since the latest version is refused (409).
   */
  deployJob(job: string, reason?: string, force = false): Promise<Deployment> {
    const body: DeployRequest = reason === undefined ? {} : { reason };
    if (force) {
      body.force = true;
    }
    return this._post<Deployment>(`${controlJobPath(job)}/deployments`, body);
  }

  /** `GET /dataops/control/jobs/{job}/deployments`: versions, newest first. */
  async listDeployments(job: string): Promise<Deployment[]> {
    const answer = await this._get<DeploymentList>(
      `${controlJobPath(job)}/deployments`
    );
    return answer.deployments;
  }

  /** `PUT /dataops/control/jobs/{job}/active-deployment`: roll back or forward. */
  activateDeployment(job: string, version: number): Promise<ControlJob> {
    const body: ActivateRequest = { version };
    return this._send<ControlJob>(
      'PUT',
      `${controlJobPath(job)}/active-deployment`,
      body
    );
  }

  /** `GET /dataops/control/jobs/{job}/executions`: newest first, by pages. */
  listExecutions(
    job: string,
    options: DataOpsService.IListExecutionsOptions = {}
  ): Promise<ExecutionList> {
    return this._get<ExecutionList>(
      `${controlJobPath(job)}/executions${pageQuery(options)}`
    );
  }

  /** `POST /dataops/control/jobs/{job}/executions`: run the active version now. */
  startExecution(job: string, args?: Arguments): Promise<Execution> {
    const body: StartExecutionRequest =
      args === undefined ? {} : { arguments: args };
    return this._post<Execution>(`${controlJobPath(job)}/executions`, body);
  }

  /** `GET /dataops/control/jobs/{job}/executions/{execution}` */
  getExecution(job: string, execution: string): Promise<Execution> {
    return this._get<Execution>(executionPath(job, execution));
  }

  /** `POST /dataops/control/jobs/{job}/executions/{execution}/cancel` */
  cancelExecution(job: string, execution: string): Promise<Execution> {
    return this._post<Execution>(`${executionPath(job, execution)}/cancel`, {});
  }

  /**
   * `GET /dataops/control/jobs/{job}/executions/{execution}/logs`: the log
   * text from `offset` (bytes).
   */
  getExecutionLog(
    job: string,
    execution: string,
    offset = 0
  ): Promise<LogChunk> {
    return this._get<LogChunk>(
      `${executionPath(job, execution)}/logs${URLExt.objectToQueryString({
        offset: String(offset)
      })}`
    );
  }

  /** `GET /dataops/control/jobs/{job}/executions/{execution}/notebook` */
  getExecutionNotebook(
    job: string,
    execution: string
  ): Promise<nbformat.INotebookContent> {
    return this._get<nbformat.INotebookContent>(
      `${executionPath(job, execution)}/notebook`
    );
  }

  /** `GET /dataops/control/jobs/{job}/properties`: the deployed job's properties. */
  getProperties(job: string): Promise<Arguments> {
    return this._get<Arguments>(`${controlJobPath(job)}/properties`);
  }

  /** `PUT /dataops/control/jobs/{job}/properties`: replace all of them. */
  setProperties(job: string, properties: Arguments): Promise<Arguments> {
    return this._send<Arguments>(
      'PUT',
      `${controlJobPath(job)}/properties`,
      properties
    );
  }

  /** `GET /dataops/control/jobs/{job}/secrets`: the names (values never leave the service). */
  async listSecrets(job: string): Promise<string[]> {
    const answer = await this._get<SecretNames>(
      `${controlJobPath(job)}/secrets`
    );
    return answer.names;
  }

  /** `PUT /dataops/control/jobs/{job}/secrets/{name}`: set one, encrypted at rest. */
  async setSecret(job: string, name: string, value: string): Promise<void> {
    const body: SetSecretRequest = { value };
    await this._send<void>('PUT', secretPath(job, name), body);
  }

  /** `DELETE /dataops/control/jobs/{job}/secrets/{name}` */
  async deleteSecret(job: string, name: string): Promise<void> {
    await requestAPI<void>(
      secretPath(job, name),
      { method: 'DELETE' },
      this.serverSettings
    );
  }

  private _get<T>(path: string): Promise<T> {
    return requestAPI<T>(path, { method: 'GET' }, this.serverSettings);
  }

  private _post<T>(path: string, body: object): Promise<T> {
    return this._send<T>('POST', path, body);
  }

  private _send<T>(method: string, path: string, body: object): Promise<T> {
    return requestAPI<T>(
      path,
      {
        method,
        body: JSON.stringify(body),
        headers: { 'Content-Type': 'application/json' }
      },
      this.serverSettings
    );
  }
}

export namespace DataOpsService {
  export interface IOptions {
    /** Server connection settings; the page's settings by default. */
    serverSettings?: ServerConnection.ISettings;
  }

  export interface IListRunsOptions {
    /** Only the runs of this job. */
    job?: string;
    /** At most this many runs (the server's default is 50). */
    limit?: number;
  }

  /** Which page of a history: `limit` items older than `before`. */
  export interface IPageOptions<S extends string> {
    /** At most this many items, 1 to 500 (the server's default is 50). */
    limit?: number;
    /** Only items older than this one (a `next_cursor`). */
    before?: string;
    /** Only items with one of these statuses; all when empty. */
    status?: ReadonlyArray<S>;
  }

  export type IListExecutionsOptions = IPageOptions<ExecutionStatus>;
}

/** The query string of a page of a history (`status` repeated). */
function pageQuery(options: DataOpsService.IPageOptions<string>): string {
  const query = new URLSearchParams();
  if (options.limit !== undefined) {
    query.set('limit', String(options.limit));
  }
  if (options.before !== undefined) {
    query.set('before', options.before);
  }
  for (const status of options.status ?? []) {
    query.append('status', status);
  }
  const text = query.toString();
  return text ? `?${text}` : '';
}

/** Route of a job on the control service. */
function controlJobPath(job: string): string {
  return `control/jobs/${encodeURIComponent(job)}`;
}

/** Route of a secret of a job on the control service. */
function secretPath(job: string, name: string): string {
  return `${controlJobPath(job)}/secrets/${encodeURIComponent(name)}`;
}

/** Route of an execution of a job on the control service. */
function executionPath(job: string, execution: string): string {
  return `${controlJobPath(job)}/executions/${encodeURIComponent(execution)}`;
}
