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
