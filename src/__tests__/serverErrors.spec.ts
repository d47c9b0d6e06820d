/**
 * What the user sees when the server extension is missing, and when a
 * request fails: the server's own message, or the status and a short text of
 * a page that is not the extension's JSON. Requests are answered at the
 * browser boundary (`ServerConnection.makeRequest`).
 */
import { showErrorMessage } from '@jupyterlab/apputils';
import { ServerConnection } from '@jupyterlab/services';
import { CommandRegistry } from '@lumino/commands';
import { Widget } from '@lumino/widgets';

import { CommandIDs, addCommands } from '../commands';
import { addDeploymentCommands } from '../deploymentCommands';
import { DeploymentsModel } from '../deploymentsModel';
import { DataJobsModel } from '../model';
import { describeError } from '../pollingModel';
import {
  DataOpsRequestError,
  EXTENSION_MISSING,
  extensionMissingMessage
} from '../request';
import { DataOpsService } from '../service';
import { DataJobsPanel } from '../widgets/DataJobsPanel';
import { DeploymentsSection } from '../widgets/DeploymentsSection';
import { JobsSection } from '../widgets/JobsSection';
import { jsonResponse, makeJob } from './fixtures';

jest.mock('@jupyterlab/apputils', () => ({
  ...jest.requireActual('@jupyterlab/apputils'),
  showErrorMessage: jest.fn(() => Promise.resolve())
}));

/** The page Jupyter Server answers for a route nobody serves. */
const NOT_FOUND_PAGE = `<!DOCTYPE HTML>
<html><head><meta charset="utf-8"><title>Jupyter Server</title>
<link rel="stylesheet" href="/static/style/style.min.css" type="text/css"/>
<script type="text/javascript">window.mathjax_url = "";</script></head>
<body><div class="error"><h1>404 : Not Found</h1>
<p>You are requesting a page that does not exist!</p></div></body></html>`;

const notFoundPage = () =>
  new Response(NOT_FOUND_PAGE, {
    status: 404,
    statusText: 'Not Found',
    headers: { 'Content-Type': 'text/html' }
  });

const settings = ServerConnection.makeSettings({
  baseUrl: 'http://localhost:8888/'
});

/** The routes asked (`GET config`), and the answer to each request. */
let asked: string[];
let answer: (route: string) => Response;

beforeEach(() => {
  asked = [];
  answer = () => notFoundPage();
  jest
    .spyOn(ServerConnection, 'makeRequest')
    .mockImplementation(async (url, init) => {
      const route = `${init.method ?? 'GET'} ${url.slice(
        `${settings.baseUrl}dataops/`.length
      )}`;
      asked.push(route);
      return answer(route);
    });
});

afterEach(() => {
  jest.restoreAllMocks();
});

/** How the request failed. */
async function failure(call: Promise<unknown>): Promise<DataOpsRequestError> {
  try {
    await call;
  } catch (error) {
    expect(error).toBeInstanceOf(DataOpsRequestError);
    return error as DataOpsRequestError;
  }
  throw new Error('the request did not fail');
}

/** A working server extension with one job and no runs. */
function working(route: string): Response {
  if (route === 'GET config') {
    return jsonResponse({
      version: '0.1.0',
      root: '/srv',
      features: {
        runs: true,
        control_service: false,
        embedded_control_service: false
      }
    });
  }
  if (route.startsWith('GET jobs?runs=')) {
    return jsonResponse({ jobs: [makeJob('orders')], invalid: [], runs: {} });
  }
  return jsonResponse({ error: 'not-found', message: `no ${route}` }, 404);
}

describe('a missing server extension', () => {
  const service = new DataOpsService({ serverSettings: settings });

  it('is what a 404 page from the config route means', async () => {
    const error = await failure(service.getConfig());
    expect(error.kind).toBe(EXTENSION_MISSING);
    expect(error.message).toBe(
      'The dataops-jupyter server extension is not running: enable it with ' +
        '`jupyter server extension enable dataops_jupyter` and restart JupyterLab'
    );
  });

  it('is what a page that is not JSON from the config route means', async () => {
    answer = () =>
      new Response('<html><title>Sign in</title></html>', { status: 200 });
    expect((await failure(service.getConfig())).kind).toBe(EXTENSION_MISSING);
  });

  it('is what a 404 without the extension’s error body means on any route', async () => {
    answer = () => jsonResponse({ message: 'Not Found', reason: null }, 404);
    expect((await failure(service.listJobs())).kind).toBe(EXTENSION_MISSING);
  });

  it('is not what the extension’s own 404 means', async () => {
    answer = () =>
      jsonResponse({ error: 'not-found', message: "job 'x' not found" }, 404);
    const error = await failure(service.getJob('x'));
    expect([error.kind, error.message]).toEqual([
      'not-found',
      "job 'x' not found"
    ]);
  });

  it('stops the polls of both models until a refresh finds it', async () => {
    const jobs = new DataJobsModel({ service });
    const deployments = new DeploymentsModel({ service, slowInterval: 50 });
    for (const model of [jobs, deployments]) {
      model.setVisible(true);
    }
    await waitFor(() => jobs.hasLoaded && deployments.hasLoaded);
    for (const model of [jobs, deployments]) {
      expect(model.extensionMissing).toBe(true);
      expect(model.error).toBe(extensionMissingMessage());
      expect(model.isPolling).toBe(false);
    }
    const before = asked.length;
    await sleep(200);
    expect(asked.length).toBe(before);

    answer = working;
    await jobs.refresh();
    expect(jobs.extensionMissing).toBe(false);
    expect(jobs.jobs.map(job => job.name)).toEqual(['orders']);
    expect(jobs.isPolling).toBe(true);
    jobs.dispose();
    deployments.dispose();
  });
});

describe('the Data Jobs sidebar without the server extension', () => {
  it('shows one message instead of the sections, and retries on request', async () => {
    const service = new DataOpsService({ serverSettings: settings });
    const model = new DataJobsModel({ service });
    const deployments = new DeploymentsModel({ service });
    const commands = new CommandRegistry();
    const panel = new DataJobsPanel({ commands });
    panel.addSection(new JobsSection({ model, commands, deployments }), {
      rank: 100,
      visibility: model
    });
    panel.addSection(new DeploymentsSection({ model: deployments, commands }), {
      rank: 200,
      visibility: deployments
    });
    Widget.attach(panel, document.body);
    await waitFor(() => model.hasLoaded && deployments.hasLoaded);

    const notices = panel.node.querySelectorAll('.dataops-extension-missing');
    expect(notices.length).toBe(1);
    const notice = notices[0] as HTMLElement;
    expect(notice.textContent).toContain(extensionMissingMessage());
    expect(notice.classList.contains('lm-mod-hidden')).toBe(false);
    expect(panel.content.isHidden).toBe(true);
    // The sections' own errors are out of sight, under the hidden content.
    for (const error of Array.from(
      panel.node.querySelectorAll('.dataops-error')
    )) {
      expect(panel.content.node.contains(error)).toBe(true);
    }
    expect(panel.content.node.classList.contains('lm-mod-hidden')).toBe(true);

    answer = working;
    notice.querySelector<HTMLButtonElement>('.dataops-retry-button')!.click();
    await waitFor(
      () => !model.extensionMissing && !deployments.extensionMissing
    );
    expect(notice.classList.contains('lm-mod-hidden')).toBe(true);
    expect(panel.content.isHidden).toBe(false);
    expect(model.isPolling).toBe(true);
    panel.dispose();
    model.dispose();
    deployments.dispose();
  });
});

describe('a failed request', () => {
  const service = new DataOpsService({ serverSettings: settings });

  it('shows the server’s message', async () => {
    answer = () =>
      jsonResponse(
        { error: 'invalid-arguments', message: "'limit' must be an integer" },
        400
      );
    expect(
      (await failure(service.startRun('orders', { limit: 'x' }))).message
    ).toBe("'limit' must be an integer");
  });

  it('shows the status and the title of an error page that is not JSON', async () => {
    answer = () =>
      new Response(
        '<html><head><title>502 Bad Gateway</title></head><body><center>' +
          '<h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>',
        { status: 502, statusText: 'Bad Gateway' }
      );
    const error = await failure(service.listRuns());
    expect([error.status, error.message]).toEqual([502, '502 Bad Gateway']);
  });

  it('shows a short line of an error page without a title', async () => {
    answer = () =>
      new Response(
        `<body><style>p { color: red }</style><p>Service   down\nfor ${'maintenance '.repeat(30)}</p></body>`,
        { status: 503, statusText: '' }
      );
    const { message } = await failure(service.getRun('r1'));
    expect(message.startsWith('503: Service down for maintenance')).toBe(true);
    expect(message).not.toContain('<');
    expect(message).not.toContain('color');
    expect(message.length).toBeLessThan(200);
  });

  it('shows the status and the text of a JSON error without a message', async () => {
    answer = () =>
      new Response(JSON.stringify({ detail: 'upstream timed out' }), {
        status: 504,
        statusText: 'Gateway Timeout'
      });
    expect((await failure(service.listJobs())).message).toBe(
      '504 Gateway Timeout: {"detail":"upstream timed out"}'
    );
  });

  it('is described by its message, never as [object Object]', () => {
    expect(describeError({ message: 'the kernel died' })).toBe(
      'the kernel died'
    );
    expect(describeError({ reason: 'x' })).toBe('{"reason":"x"}');
    expect(describeError(new DataOpsRequestError(500, 'boom'))).toBe('boom');
    expect(describeError('plain')).toBe('plain');
  });
});

describe('a command whose request fails', () => {
  const errorDialog = showErrorMessage as jest.Mock;
  let commands: CommandRegistry;

  beforeEach(() => {
    errorDialog.mockClear();
    const service = new DataOpsService({ serverSettings: settings });
    const model = new DataJobsModel({ service });
    const deployments = new DeploymentsModel({ service });
    const mainArea = { open: () => undefined, activate: () => undefined };
    commands = new CommandRegistry();
    addCommands(commands, model, mainArea, deployments);
    addDeploymentCommands(commands, deployments, mainArea);
  });

  it('shows the server’s message in its error dialog', async () => {
    answer = () =>
      jsonResponse(
        {
          error: 'unreachable',
          message: 'the control service at http://127.0.0.1:9 does not answer'
        },
        503
      );
    await commands.execute(CommandIDs.deployJob, { name: 'orders' });
    await commands.execute(CommandIDs.runJob, { name: 'orders' });
    expect(errorDialog.mock.calls).toEqual([
      [
        'Cannot deploy orders',
        'the control service at http://127.0.0.1:9 does not answer'
      ],
      [
        'Cannot run orders',
        'the control service at http://127.0.0.1:9 does not answer'
      ]
    ]);
  });

  it('shows the status and the title of a proxy’s page', async () => {
    answer = () =>
      new Response(
        '<html><head><title>504 Gateway Time-out</title></head></html>',
        {
          status: 504,
          statusText: 'Gateway Timeout'
        }
      );
    await commands.execute(CommandIDs.cancelRun, { runId: 'r1' });
    expect(errorDialog.mock.calls).toEqual([
      ['Cannot cancel the run', '504 Gateway Time-out']
    ]);
  });

  it('explains a missing server extension', async () => {
    await commands.execute(CommandIDs.runJob, { name: 'orders' });
    expect(errorDialog.mock.calls).toEqual([
      ['Cannot run orders', extensionMissingMessage()]
    ]);
  });
});

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) {
    await sleep(10);
  }
  expect(condition()).toBe(true);
}
