import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import { ErrorBody } from './types';

/** Path of the server extension's routes under the server's base URL. */
export const API_NAMESPACE = 'dataops';

/**
 * A failed call to the `/dataops/...` API.
 *
 * `status` is the HTTP status (0 when the server could not be reached),
 * `kind` the server's `error` field and `message` the server's explanation.
 */
export class DataOpsRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly kind: string = 'error'
  ) {
    super(message);
    this.name = 'DataOpsRequestError';
  }
}

/**
 * Call a route of the server extension.
 *
 * @param path - the route below `/dataops/`, optionally with a query string
 *   (e.g. `runs?job=orders&limit=5`).
 * @param init - the request options (method, body...).
 * @param settings - the server connection settings.
 * @returns the decoded JSON answer.
 * @throws {DataOpsRequestError} when the server cannot be reached or answers
 *   with an error status.
 */
export async function requestAPI<T>(
  path = '',
  init: RequestInit = {},
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<T> {
  const [route, query] = splitQuery(path);
  let url = URLExt.join(settings.baseUrl, API_NAMESPACE, route);
  if (query) {
    url += `?${query}`;
  }

  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, settings);
  } catch (error) {
    throw new DataOpsRequestError(
      0,
      `Cannot reach the Jupyter server: ${(error as Error).message ?? error}`,
      'network'
    );
  }

  const text = await response.text();
  let data: unknown = undefined;
  if (text.length > 0) {
    try {
      data = JSON.parse(text);
    } catch {
      data = undefined;
    }
  }

  if (!response.ok) {
    const body = (data ?? {}) as Partial<ErrorBody>;
    const message =
      typeof body.message === 'string' && body.message
        ? body.message
        : `${response.status} ${response.statusText || 'error'}: ${text.slice(0, 200)}`.trim();
    throw new DataOpsRequestError(
      response.status,
      message,
      typeof body.error === 'string' ? body.error : 'error'
    );
  }
  if (text.length > 0 && data === undefined) {
    throw new DataOpsRequestError(
      response.status,
      `The server answered with invalid JSON: ${text.slice(0, 200)}`,
      'invalid_response'
    );
  }
  return data as T;
}

function splitQuery(path: string): [string, string] {
  const index = path.indexOf('?');
  return index < 0 ? [path, ''] : [path.slice(0, index), path.slice(index + 1)];
}
