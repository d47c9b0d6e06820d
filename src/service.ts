import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import { requestAPI } from './request';
import {
  Arguments,
  Config,
  CreateJobRequest,
  Job,
  JobList,
  LogChunk,
  Run,
  RunList,
  StartRunRequest
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

  /** `GET /dataops/config` */
  getConfig(): Promise<Config> {
    return this._get<Config>('config');
  }

  /** `GET /dataops/jobs`: valid jobs and job folders that do not load. */
  listJobs(): Promise<JobList> {
    return this._get<JobList>('jobs');
  }

  /** `GET /dataops/jobs/{name}` */
  getJob(name: string): Promise<Job> {
    return this._get<Job>(`jobs/${encodeURIComponent(name)}`);
  }

  /** `POST /dataops/jobs`: create a job folder from the template. */
  createJob(request: CreateJobRequest): Promise<Job> {
    return this._post<Job>('jobs', request);
  }

  /** `POST /dataops/jobs/{name}/runs`: start a local run. */
  startRun(name: string, args?: Arguments): Promise<Run> {
    const body: StartRunRequest = args === undefined ? {} : { arguments: args };
    return this._post<Run>(`jobs/${encodeURIComponent(name)}/runs`, body);
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

  /** `POST /dataops/runs/{run_id}/cancel` */
  cancelRun(runId: string): Promise<Run> {
    return this._post<Run>(`runs/${encodeURIComponent(runId)}/cancel`, {});
  }

  private _get<T>(path: string): Promise<T> {
    return requestAPI<T>(path, { method: 'GET' }, this.serverSettings);
  }

  private _post<T>(path: string, body: object): Promise<T> {
    return requestAPI<T>(
      path,
      {
        method: 'POST',
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
}
