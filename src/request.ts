import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import { translations } from './translation';
import { ErrorBody } from './types';

/** Path of the server extension's routes under the server's base URL. */
export const API_NAMESPACE = 'dataops';

/** `kind` of the failure of a request that the server extension did not answer. */
export const EXTENSION_MISSING = 'extension-missing';

/** What to do when the server extension is not running. */
export function extensionMissingMessage(): string {
  return translations().__(
    'The dataops-jupyter server extension is not running: enable it with %1 and restart JupyterLab',
    '`jupyter server extension enable dataops_jupyter`'
  );
}

/** Longest server text (other than its own `message`) shown in an error. */
const SHORT_TEXT = 160;

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
      translations().__(
        'Cannot reach the Jupyter server: %1',
        String((error as Error).message ?? error)
      ),
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
    const body = (
      typeof data === 'object' && data !== null ? data : {}
    ) as Partial<ErrorBody>;
    if (response.status === 404 && typeof body.error !== 'string') {
      // Not an answer of the extension's routes: they are not there.
      throw extensionMissing(response.status);
    }
    const message =
      typeof body.message === 'string' && body.message
        ? body.message
        : statusLine(response, text);
    throw new DataOpsRequestError(
      response.status,
      message,
      typeof body.error === 'string' ? body.error : 'error'
    );
  }
  if (text.length > 0 && data === undefined) {
    throw new DataOpsRequestError(
      response.status,
      translations().__(
        'The server answered with a page that is not JSON: %1',
        statusLine(response, text)
      ),
      'invalid_response'
    );
  }
  return data as T;
}

/** The failure of a request that the server extension is not there to answer. */
export function extensionMissing(status: number): DataOpsRequestError {
  return new DataOpsRequestError(
    status,
    extensionMissingMessage(),
    EXTENSION_MISSING
  );
}

/** Whether a failure means that the server extension is not running. */
export function isExtensionMissing(error: unknown): boolean {
  return (
    error instanceof DataOpsRequestError && error.kind === EXTENSION_MISSING
  );
}

/** `502 Bad Gateway: <the page's title or first words>`. */
function statusLine(response: Response, text: string): string {
  const status = `${response.status} ${response.statusText}`.trim();
  const short = shortText(text);
  if (short.startsWith(String(response.status))) {
    return short; // a page titled "502 Bad Gateway"
  }
  return short ? `${status}: ${short}` : status;
}

/**
 * A short, plain form of a body that is not the extension's JSON: an HTML
 * page's title (else its text without tags), on one line, cut to length.
 */
function shortText(text: string): string {
  const title = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(text);
  const plain = title
    ? title[1]
    : text
        .replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ')
        .replace(/<[^>]*>/g, ' ');
  const line = plain
    .replace(/&nbsp;/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return line.length > SHORT_TEXT ? `${line.slice(0, SHORT_TEXT - 1)}…` : line;
}

function splitQuery(path: string): [string, string] {
  const index = path.indexOf('?');
  return index < 0 ? [path, ''] : [path.slice(0, index), path.slice(index + 1)];
}
