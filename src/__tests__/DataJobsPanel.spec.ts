import { Notification, showErrorMessage } from '@jupyterlab/apputils';
import { CommandRegistry } from '@lumino/commands';
import { Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

import { CommandIDs, addCommands } from '../commands';
import { addDeploymentCommands } from '../deploymentCommands';
import { DataOpsRequestError } from '../request';
import { DataOpsService } from '../service';
import { IDataJobsModel, IDeploymentsModel } from '../tokens';
import { DataJobsPanel } from '../widgets/DataJobsPanel';
import { DeploymentsSection } from '../widgets/DeploymentsSection';
import { JobsSection } from '../widgets/JobsSection';
import { LogViewer } from '../widgets/LogViewer';
import {
  makeControlJob,
  makeDeployment,
  makeExecution,
  makeRun
} from './fixtures';

jest.mock('@jupyterlab/apputils', () => ({
  ...jest.requireActual('@jupyterlab/apputils'),
  showErrorMessage: jest.fn(() => Promise.resolve())
}));

/** A model double recording what the panel and the commands ask of it. */
function fakeModel(): IDataJobsModel & { visible: boolean[] } {
  const model: any = {
    visible: [] as boolean[],
    jobs: [],
    invalid: [],
    hasLoaded: true,
    error: null,
    hasActiveRuns: false,
    isPolling: false,
    pollInterval: 10000,
    isDisposed: false,
    runs: () => [],
    refresh: jest.fn(() => Promise.resolve()),
    runJob: jest.fn(),
    cancelRun: jest.fn(),
    setVisible: (visible: boolean) => model.visible.push(visible),
    dispose: jest.fn()
  };
  model.changed = new Signal(model);
  return model;
}

/** A deployments model double recording what is asked of it. */
function fakeDeployments(): IDeploymentsModel & { visible: boolean[] } {
  const service = new DataOpsService();
  jest
    .spyOn(service, 'getExecutionLog')
    .mockResolvedValue({ text: '', offset: 0, complete: false });
  const model: any = {
    visible: [] as boolean[],
    service,
    configured: true,
    status: null,
    jobs: [],
    hasLoaded: true,
    error: null,
    hasActiveExecutions: false,
    isPolling: false,
    pollInterval: 10000,
    isDisposed: false,
    job: () => undefined,
    executions: () => [],
    isDeploying: () => false,
    refresh: jest.fn(() => Promise.resolve()),
    deploy: jest.fn(),
    setEnabled: jest.fn(),
    activate: jest.fn(),
    execute: jest.fn(),
    cancelExecution: jest.fn(),
    setVisible: (visible: boolean) => model.visible.push(visible),
    dispose: jest.fn()
  };
  model.changed = new Signal(model);
  return model;
}

/** A section as a plugin would add it. */
function section(label: string): Widget {
  const widget = new Widget();
  widget.title.label = label;
  return widget;
}

/** Records what the sidebar tells it about its visibility. */
function visibility(): { visible: boolean[]; setVisible(v: boolean): void } {
  const seen: boolean[] = [];
  return { visible: seen, setVisible: (v: boolean) => void seen.push(v) };
}

describe('DataJobsPanel', () => {
  it('is the Data Jobs sidebar with a new-job and a refresh button', () => {
    const panel = new DataJobsPanel({ commands: new CommandRegistry() });
    expect(panel.id).toBe('dataops-sidebar');
    expect(panel.title.caption).toBe('Data Jobs');
    expect(panel.title.icon).toBeTruthy();
    expect(Array.from(panel.toolbar.names())).toEqual(['new-job', 'refresh']);
    expect(panel.widgets).toEqual([]);
    panel.dispose();
  });

  it('shows the sections plugins add in the order of their rank', () => {
    const panel = new DataJobsPanel({ commands: new CommandRegistry() });
    panel.addSection(section('Deployments'), { rank: 200 });
    panel.addSection(section('Tables'));
    panel.addSection(section('Jobs'), { rank: 100 });
    panel.addSection(section('SLOs'), { rank: 200 });
    expect(panel.widgets.map(widget => widget.title.label)).toEqual([
      'Jobs',
      'Deployments',
      'SLOs',
      'Tables'
    ]);
    panel.dispose();
  });

  it('removes a section when its registration is disposed', () => {
    const panel = new DataJobsPanel({ commands: new CommandRegistry() });
    panel.addSection(section('Jobs'), { rank: 100 });
    const tables = panel.addSection(section('Tables'), { rank: 300 });
    tables.dispose();
    tables.dispose();
    expect(panel.widgets.map(widget => widget.title.label)).toEqual(['Jobs']);
    panel.addSection(section('Deployments'), { rank: 200 });
    expect(panel.widgets.map(widget => widget.title.label)).toEqual([
      'Jobs',
      'Deployments'
    ]);
    panel.dispose();
  });

  it('tells each section whether it is on screen', () => {
    const panel = new DataJobsPanel({ commands: new CommandRegistry() });
    const jobs = visibility();
    panel.addSection(section('Jobs'), { rank: 100, visibility: jobs });
    Widget.attach(panel, document.body);
    panel.hide();
    panel.show();
    expect(jobs.visible).toEqual([true, false, true]);
    // A section added while the sidebar is shown is told at once.
    const later = visibility();
    const registration = panel.addSection(section('Tables'), {
      visibility: later
    });
    expect(later.visible).toEqual([true]);
    registration.dispose();
    expect(later.visible).toEqual([true, false]);
    Widget.detach(panel);
    expect(jobs.visible).toEqual([true, false, true, false]);
    expect(later.visible).toEqual([true, false]);
    panel.dispose();
  });

  it('holds the Jobs and Deployments sections as the plugins add them', () => {
    const model = fakeModel();
    const deployments = fakeDeployments();
    const commands = new CommandRegistry();
    const panel = new DataJobsPanel({ commands });
    panel.addSection(new DeploymentsSection({ model: deployments, commands }), {
      rank: 200,
      visibility: deployments
    });
    panel.addSection(new JobsSection({ model, commands, deployments }), {
      rank: 100,
      visibility: model
    });
    Widget.attach(panel, document.body);
    Widget.detach(panel);
    expect(panel.widgets.map(widget => widget.title.label)).toEqual([
      'Jobs',
      'Deployments'
    ]);
    expect(panel.widgets[1].hasClass('dataops-deployments-section')).toBe(true);
    expect(model.visible).toEqual([true, false]);
    expect(deployments.visible).toEqual([true, false]);
    panel.dispose();
  });
});

describe('commands', () => {
  let commands: CommandRegistry;
  let model: ReturnType<typeof fakeModel>;

  beforeEach(() => {
    commands = new CommandRegistry();
    model = fakeModel();
    addCommands(commands, model, {
      open: () => undefined,
      activate: () => undefined
    });
    (showErrorMessage as jest.Mock).mockClear();
  });

  it('refreshes the model', async () => {
    await commands.execute(CommandIDs.refresh);
    expect(model.refresh).toHaveBeenCalledTimes(1);
  });

  it('runs a job by name with arguments', async () => {
    const run = makeRun('orders', 'r1', 'queued');
    (model.runJob as jest.Mock).mockResolvedValue(run);
    expect(commands.isEnabled(CommandIDs.runJob, {})).toBe(false);
    expect(commands.isEnabled(CommandIDs.runJob, { name: 'orders' })).toBe(
      true
    );
    expect(commands.label(CommandIDs.runJob, { name: 'orders' })).toBe(
      'Run Data Job orders'
    );
    const result = await commands.execute(CommandIDs.runJob, {
      name: 'orders',
      arguments: { day: 'today' }
    });
    expect(model.runJob).toHaveBeenCalledWith('orders', { day: 'today' });
    expect(result).toBe(run);
  });

  it('shows the server message when a run cannot start', async () => {
    (model.runJob as jest.Mock).mockRejectedValue(
      new DataOpsRequestError(404, 'No job named "nope".', 'not_found')
    );
    const result = await commands.execute(CommandIDs.runJob, { name: 'nope' });
    expect(result).toBeUndefined();
    expect(showErrorMessage).toHaveBeenCalledWith(
      'Cannot run nope',
      'No job named "nope".'
    );
  });

  it('cancels a run by id', async () => {
    (model.cancelRun as jest.Mock).mockResolvedValue(
      makeRun('orders', 'r1', 'cancelled')
    );
    await commands.execute(CommandIDs.cancelRun, { runId: 'r1' });
    expect(model.cancelRun).toHaveBeenCalledWith('r1');
  });
});

describe('deployment commands', () => {
  let commands: CommandRegistry;
  let model: ReturnType<typeof fakeDeployments>;
  let opened: Widget[];
  let activated: Widget[];

  beforeEach(() => {
    commands = new CommandRegistry();
    model = fakeDeployments();
    opened = [];
    activated = [];
    addDeploymentCommands(commands, model, {
      open: widget => opened.push(widget),
      activate: widget => activated.push(widget)
    });
    (showErrorMessage as jest.Mock).mockClear();
  });

  afterEach(() => {
    opened.forEach(widget => widget.dispose());
    jest.restoreAllMocks();
  });

  it('refreshes both models', async () => {
    const jobs = fakeModel();
    const registry = new CommandRegistry();
    addCommands(
      registry,
      jobs,
      { open: () => undefined, activate: () => undefined },
      model
    );
    await registry.execute(CommandIDs.refresh);
    expect(jobs.refresh).toHaveBeenCalledTimes(1);
    expect(model.refresh).toHaveBeenCalledTimes(1);
  });

  it('deploys a job and says which version is active', async () => {
    const success = jest
      .spyOn(Notification, 'success')
      .mockImplementation(() => '');
    (model.deploy as jest.Mock).mockResolvedValue(makeDeployment('orders', 4));
    expect(commands.isEnabled(CommandIDs.deployJob, {})).toBe(false);
    expect(commands.label(CommandIDs.deployJob, { name: 'orders' })).toBe(
      'Deploy Data Job orders'
    );
    const result = await commands.execute(CommandIDs.deployJob, {
      name: 'orders',
      reason: 'new column'
    });
    expect(model.deploy).toHaveBeenCalledWith('orders', 'new column');
    expect(result).toMatchObject({ version: 4 });
    expect(success).toHaveBeenCalledWith(
      'Deployed orders v4 to the control service.',
      expect.anything()
    );
  });

  it('shows why a deploy failed', async () => {
    (model.deploy as jest.Mock).mockRejectedValue(
      new DataOpsRequestError(400, 'The job tests failed: 1 failed', 'invalid')
    );
    const result = await commands.execute(CommandIDs.deployJob, {
      name: 'orders'
    });
    expect(result).toBeUndefined();
    expect(showErrorMessage).toHaveBeenCalledWith(
      'Cannot deploy orders',
      'The job tests failed: 1 failed'
    );
  });

  it('executes a job with arguments and shows a refusal', async () => {
    const execution = makeExecution('orders', 'e1', 'submitted');
    (model.execute as jest.Mock).mockResolvedValueOnce(execution);
    await expect(
      commands.execute(CommandIDs.executeJob, {
        name: 'orders',
        arguments: { day: 1 }
      })
    ).resolves.toBe(execution);
    expect(model.execute).toHaveBeenCalledWith('orders', { day: 1 });

    (model.execute as jest.Mock).mockRejectedValueOnce(
      new DataOpsRequestError(409, 'An execution is in progress.', 'conflict')
    );
    await commands.execute(CommandIDs.executeJob, { name: 'orders' });
    expect(showErrorMessage).toHaveBeenCalledWith(
      'Cannot execute orders',
      'An execution is in progress.'
    );
  });

  it('cancels an execution and shows a refusal', async () => {
    expect(
      commands.isEnabled(CommandIDs.cancelExecution, { job: 'orders' })
    ).toBe(false);
    (model.cancelExecution as jest.Mock).mockRejectedValue(
      new DataOpsRequestError(409, 'The execution already ended.', 'conflict')
    );
    await commands.execute(CommandIDs.cancelExecution, {
      job: 'orders',
      executionId: 'e1'
    });
    expect(model.cancelExecution).toHaveBeenCalledWith('orders', 'e1');
    expect(showErrorMessage).toHaveBeenCalledWith(
      'Cannot cancel the execution',
      'The execution already ended.'
    );
  });

  it('turns a schedule on or off and shows a failure', async () => {
    (model.setEnabled as jest.Mock).mockResolvedValueOnce(
      makeControlJob('orders', { enabled: false })
    );
    await commands.execute(CommandIDs.setScheduleEnabled, {
      name: 'orders',
      enabled: false
    });
    expect(model.setEnabled).toHaveBeenCalledWith('orders', false);
    expect(
      commands.isEnabled(CommandIDs.setScheduleEnabled, { name: 'orders' })
    ).toBe(false);

    (model.setEnabled as jest.Mock).mockRejectedValueOnce(
      new DataOpsRequestError(503, 'Not running.', 'unreachable')
    );
    await commands.execute(CommandIDs.setScheduleEnabled, {
      name: 'orders',
      enabled: true
    });
    expect(showErrorMessage).toHaveBeenCalledWith(
      'Cannot turn the schedule of orders on',
      'Not running.'
    );
  });

  it('opens the log of a local run in the main area', async () => {
    const jobs = fakeModel();
    const registry = new CommandRegistry();
    addCommands(registry, jobs, {
      open: widget => opened.push(widget),
      activate: widget => activated.push(widget)
    });
    const panel = (await registry.execute(CommandIDs.openRunLog, {
      job: 'orders',
      runId: 'r1'
    })) as any;
    expect(panel.content).toBeInstanceOf(LogViewer);
    expect(panel.content.source.title).toBe('orders · run r1');
    expect(panel.title.label).toBe('orders · r1');
    expect(opened).toEqual([panel]);
    expect(registry.isEnabled(CommandIDs.openRunLog, { job: 'orders' })).toBe(
      false
    );
  });

  it('opens the log of an execution once, then brings it to the front', async () => {
    const args = { job: 'orders', executionId: 'e1' };
    const first = (await commands.execute(
      CommandIDs.openExecutionLog,
      args
    )) as any;
    expect(opened).toHaveLength(1);
    expect(first.content).toBeInstanceOf(LogViewer);
    expect(first.content.source.title).toBe('orders · execution e1');
    expect(first.title.label).toBe('orders · e1');
    const again = await commands.execute(CommandIDs.openExecutionLog, args);
    expect(again).toBe(first);
    expect(opened).toHaveLength(1);
    expect(activated).toEqual([first, first]);

    // A closed log opens anew.
    first.dispose();
    await commands.execute(CommandIDs.openExecutionLog, args);
    expect(opened).toHaveLength(2);
  });
});
