import { showErrorMessage } from '@jupyterlab/apputils';
import { CommandRegistry } from '@lumino/commands';
import { Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

import { CommandIDs, addCommands } from '../commands';
import { DataOpsRequestError } from '../request';
import { IDataJobsModel } from '../tokens';
import { DataJobsPanel } from '../widgets/DataJobsPanel';
import { makeRun } from './fixtures';

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

describe('DataJobsPanel', () => {
  it('is the Data Jobs sidebar with a refresh button', () => {
    const panel = new DataJobsPanel({
      model: fakeModel(),
      commands: new CommandRegistry()
    });
    expect(panel.id).toBe('dataops-sidebar');
    expect(panel.title.caption).toBe('Data Jobs');
    expect(panel.title.icon).toBeTruthy();
    expect(Array.from(panel.toolbar.names())).toEqual(['refresh']);
    expect(panel.widgets.map(widget => widget.title.label)).toEqual(['Jobs']);
    panel.dispose();
  });

  it('tells the model whether it is visible', () => {
    const model = fakeModel();
    const panel = new DataJobsPanel({ model, commands: new CommandRegistry() });
    Widget.attach(panel, document.body);
    expect(model.visible).toEqual([true]);
    panel.hide();
    panel.show();
    expect(model.visible).toEqual([true, false, true]);
    Widget.detach(panel);
    expect(model.visible).toEqual([true, false, true, false]);
    panel.dispose();
  });
});

describe('commands', () => {
  let commands: CommandRegistry;
  let model: ReturnType<typeof fakeModel>;

  beforeEach(() => {
    commands = new CommandRegistry();
    model = fakeModel();
    addCommands(commands, model);
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
