import { Notification, showDialog } from '@jupyterlab/apputils';
import {
  RenderMimeRegistry,
  standardRendererFactories
} from '@jupyterlab/rendermime';
import { CommandRegistry } from '@lumino/commands';
import { Widget } from '@lumino/widgets';

import { shortId } from '../commandHelpers';
import { CommandIDs, addCommands } from '../commands';
import { addDeploymentCommands } from '../deploymentCommands';
import { ReasonForm } from '../dialogs/ReasonForm';
import { DataOpsRequestError } from '../request';
import { DataOpsService } from '../service';
import { OutputNotebook } from '../widgets/OutputNotebook';
import { makeDeployment, makeRun } from './fixtures';

jest.mock('@jupyterlab/apputils', () => ({
  ...jest.requireActual('@jupyterlab/apputils'),
  showDialog: jest.fn(),
  showErrorMessage: jest.fn(() => Promise.resolve())
}));

const dialog = showDialog as jest.Mock;

/** The user's answer to the next dialog. */
function answer(accept: boolean, value: unknown = null): void {
  dialog.mockResolvedValueOnce({ button: { accept }, value });
}

const conflict = (message: string) =>
  new DataOpsRequestError(409, message, 'conflict');

describe('commands that ask first', () => {
  let commands: CommandRegistry;
  let jobs: any;
  let deployments: any;
  let opened: Widget[];

  beforeEach(() => {
    dialog.mockReset();
    jest.spyOn(Notification, 'success').mockImplementation(() => '');
    commands = new CommandRegistry();
    opened = [];
    const service = new DataOpsService();
    jobs = { service, jobs: [], runJob: jest.fn() };
    deployments = {
      service,
      deploy: jest.fn(),
      deleteJob: jest.fn(() => Promise.resolve())
    };
    const mainArea = {
      open: (widget: Widget) => opened.push(widget),
      activate: () => undefined,
      rendermime: new RenderMimeRegistry({
        initialFactories: standardRendererFactories
      })
    };
    addCommands(commands, jobs, mainArea, deployments);
    addDeploymentCommands(commands, deployments, mainArea);
  });

  afterEach(() => {
    opened.forEach(widget => widget.dispose());
    jest.restoreAllMocks();
  });

  it('asks before a second run of a job and starts it with force', async () => {
    const run = makeRun('orders', 'r2', 'queued');
    jobs.runJob
      .mockRejectedValueOnce(
        conflict("run r1 of job 'orders' is still running")
      )
      .mockResolvedValueOnce(run);
    answer(true);
    await expect(
      commands.execute(CommandIDs.runJob, { name: 'orders' })
    ).resolves.toBe(run);
    expect(dialog.mock.calls[0][0].title).toBe('orders is already running');
    expect(dialog.mock.calls[0][0].body).toBe(
      "run r1 of job 'orders' is still running. Start another run of orders now?"
    );
    expect(jobs.runJob.mock.calls).toEqual([
      ['orders', undefined],
      ['orders', undefined, true]
    ]);

    jobs.runJob.mockRejectedValueOnce(conflict('still running'));
    answer(false);
    await expect(
      commands.execute(CommandIDs.runJob, { name: 'orders' })
    ).resolves.toBeUndefined();
    expect(jobs.runJob).toHaveBeenCalledTimes(3);
  });

  it('asks for a reason to deploy, and offers to deploy an unchanged folder anyway', async () => {
    deployments.deploy
      .mockRejectedValueOnce(conflict('no change since v3'))
      .mockResolvedValueOnce(makeDeployment('orders', 4));
    answer(true, 'new price column');
    answer(true);
    const result = await commands.execute(CommandIDs.deployJob, {
      name: 'orders',
      ask: true
    });
    expect(result).toMatchObject({ version: 4 });
    expect(dialog.mock.calls[0][0].title).toBe('Deploy orders');
    expect(dialog.mock.calls[0][0].body).toBeInstanceOf(ReasonForm);
    expect(dialog.mock.calls[1][0].title).toBe('Deploy orders anyway?');
    expect(dialog.mock.calls[1][0].body).toBe(
      'no change since v3. Deploy it anyway as a new version?'
    );
    expect(deployments.deploy.mock.calls).toEqual([
      ['orders', 'new price column'],
      ['orders', 'new price column', true]
    ]);

    // Cancelled at the reason: nothing is deployed.
    answer(false);
    await commands.execute(CommandIDs.deployJob, { name: 'orders', ask: true });
    // Not deployed anyway: the refusal stands.
    deployments.deploy.mockRejectedValueOnce(conflict('no change since v4'));
    answer(true, '');
    answer(false);
    await commands.execute(CommandIDs.deployJob, { name: 'orders', ask: true });
    expect(deployments.deploy.mock.calls.slice(2)).toEqual([
      ['orders', undefined]
    ]);
  });

  it('deletes a deployed job only once confirmed', async () => {
    answer(false);
    await expect(
      commands.execute(CommandIDs.deleteDeployedJob, { name: 'orders' })
    ).resolves.toBe(false);
    expect(deployments.deleteJob).not.toHaveBeenCalled();
    answer(true);
    await expect(
      commands.execute(CommandIDs.deleteDeployedJob, { name: 'orders' })
    ).resolves.toBe(true);
    expect(dialog.mock.calls[1][0].title).toBe('Delete orders?');
    expect(deployments.deleteJob).toHaveBeenCalledWith('orders');
    expect(Notification.success).toHaveBeenCalledWith(
      'Deleted orders from the control service.',
      expect.anything()
    );
  });

  it('opens the output notebooks of runs and executions once each', async () => {
    jest
      .spyOn(jobs.service, 'getRunNotebook')
      .mockResolvedValue({ cells: [], metadata: {}, nbformat: 4 } as any);
    jest
      .spyOn(jobs.service, 'getExecutionNotebook')
      .mockResolvedValue({ cells: [], metadata: {}, nbformat: 4 } as any);
    const runId = '20261201T120000-1a2b3c4d';
    const panel = (await commands.execute(CommandIDs.openRunOutput, {
      job: 'orders',
      runId
    })) as any;
    expect(panel.content).toBeInstanceOf(OutputNotebook);
    expect(panel.title.label).toBe('orders · 1a2b3c4d output');
    expect(
      await commands.execute(CommandIDs.openRunOutput, { job: 'orders', runId })
    ).toBe(panel);
    const execution = (await commands.execute(CommandIDs.openExecutionOutput, {
      job: 'orders',
      executionId: 'e1'
    })) as any;
    expect(execution.content.source.title).toBe('orders · execution e1');
    expect(opened).toEqual([panel, execution]);
  });

  it('brings the arguments form back with what was typed after a refusal', async () => {
    jobs.jobs = [
      {
        name: 'orders',
        path: 'jobs/orders',
        parameters: { limit: 2, schema: 'shop' }
      }
    ];
    const run = makeRun('orders', 'r1', 'queued');
    jobs.runJob
      .mockRejectedValueOnce(
        new DataOpsRequestError(400, "'limit' must be an integer", 'invalid')
      )
      .mockResolvedValueOnce(run);
    dialog.mockImplementationOnce(async ({ body }) => {
      body.node.querySelector('input[name="limit"]').value = 'many';
      return { button: { accept: true }, value: body.getValue() };
    });
    let second: any = null;
    dialog.mockImplementationOnce(async ({ body }) => {
      second = body;
      body.node.querySelector('input[name="limit"]').value = '7';
      return { button: { accept: true }, value: body.getValue() };
    });
    await expect(
      commands.execute(CommandIDs.runJob, { name: 'orders', ask: true })
    ).resolves.toBe(run);
    expect(second.typed).toEqual({ limit: '7', schema: 'shop' });
    expect(
      second.node.querySelector('.dataops-arguments-error').textContent
    ).toBe("'limit' must be an integer");
    expect(jobs.runJob.mock.calls).toEqual([
      ['orders', { limit: 'many' }],
      ['orders', { limit: 7 }]
    ]);
  });

  it('asks about unsaved changes of the job’s documents before a run', async () => {
    const saved: string[] = [];
    const documents = [
      { path: 'jobs/orders/orders.ipynb', dirty: true },
      { path: 'jobs/orders/orders.ipynb', dirty: true },
      { path: 'jobs/orders/job.toml', dirty: false },
      { path: 'jobs/other/other.ipynb', dirty: true }
    ].map(document => ({
      ...document,
      save: async () => {
        saved.push(document.path);
      }
    }));
    const registry = new CommandRegistry();
    addCommands(registry, jobs, {
      open: () => undefined,
      activate: () => undefined,
      documents: () => documents
    });
    jobs.jobs = [{ name: 'orders', path: 'jobs/orders', parameters: {} }];
    jobs.runJob.mockResolvedValue(makeRun('orders', 'r1', 'queued'));

    answer(false);
    await registry.execute(CommandIDs.runJob, { name: 'orders' });
    expect(dialog.mock.calls[0][0].title).toBe('orders has unsaved changes');
    expect(dialog.mock.calls[0][0].body).toBe(
      'orders.ipynb has changes that are not saved. A run uses the saved files.'
    );
    expect(jobs.runJob).not.toHaveBeenCalled();

    dialog.mockResolvedValueOnce({
      button: { accept: true, label: 'Run saved' },
      value: null
    });
    await registry.execute(CommandIDs.runJob, { name: 'orders' });
    expect(saved).toEqual([]);
    expect(jobs.runJob).toHaveBeenCalledTimes(1);

    dialog.mockResolvedValueOnce({
      button: { accept: true, label: 'Save and run' },
      value: null
    });
    await registry.execute(CommandIDs.runJob, { name: 'orders' });
    expect(saved).toEqual(['jobs/orders/orders.ipynb']);
    expect(jobs.runJob).toHaveBeenCalledTimes(2);
  });

  it('tracks opened logs so that a reload opens them again', async () => {
    const tracked: [string, unknown][] = [];
    const registry = new CommandRegistry();
    addCommands(registry, jobs, {
      open: (widget, restore) => {
        opened.push(widget);
        tracked.push([restore!.command, restore!.args]);
      },
      activate: () => undefined
    });
    jest
      .spyOn(jobs.service, 'getLog')
      .mockResolvedValue({ text: '', offset: 0, complete: false });
    const args = { job: 'orders', runId: 'r1' };
    await registry.execute(CommandIDs.openRunLog, args);
    await registry.execute(CommandIDs.openRunLog, args);
    expect(tracked).toEqual([[CommandIDs.openRunLog, args]]);
  });

  it('shortens run and execution ids for tab titles', () => {
    expect(shortId('20261201T120000-1a2b3c4d')).toBe('1a2b3c4d');
    expect(shortId('e1')).toBe('e1');
  });
});

describe('ReasonForm', () => {
  it('gives the reason without surrounding blanks', () => {
    const form = new ReasonForm();
    const input = form.node.querySelector('input')!;
    expect(input.getAttribute('aria-label')).toBe('Reason');
    input.value = '  fix prices ';
    expect(form.getValue()).toBe('fix prices');
    form.dispose();
  });
});
