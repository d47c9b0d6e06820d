import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { DocumentRegistry } from '@jupyterlab/docregistry';
import {
  INotebookModel,
  INotebookTracker,
  NotebookPanel
} from '@jupyterlab/notebook';
import {
  ITranslator,
  TranslationBundle,
  nullTranslator
} from '@jupyterlab/translation';
import {
  Toolbar,
  ToolbarButton,
  fileUploadIcon,
  runIcon
} from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import { IDisposable } from '@lumino/disposable';
import { ISignal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

import { CommandIDs } from '../commandIds';
import { dataJobsIcon } from '../components/icons';
import { executionStatusLabels } from '../components/ExecutionBadge';
import { runStatusLabels } from '../components/RunBadge';
import { formatRelativeTime } from '../components/time';
import { IHistoryEntry, entryKey, runEntry } from '../jobHistory';
import { IDataJobsModel, IDeploymentsModel } from '../tokens';
import { ExecutionStatus, Job, RunStatus } from '../types';
import { addConvertToJobCommand } from './convertToJob';
import { jobOfNotebook } from './jobCells';
import { translations } from '../translation';
import { loadJobsForNotebooks } from './openedNotebooks';
import {
  LATEST,
  RunSelection,
  openEntryLog,
  runSelectionOf
} from './runSelection';

/** How often the status chip's "2 minutes ago" is written again (ms). */
const CLOCK_INTERVAL = 30000;

/**
 * The words of a job's status chip for its newest run or execution: "last
 * run: failed 2 min. ago", "last execution: running", or "no runs yet".
 */
export function lastEntryText(
  entry: IHistoryEntry | null,
  trans: TranslationBundle = translations(),
  now: number = Date.now()
): string {
  if (!entry) {
    return trans.__('no runs yet');
  }
  const isRun = entry.kind === 'run';
  const status = isRun
    ? (runStatusLabels(trans)[entry.status as RunStatus] ?? entry.status)
    : (executionStatusLabels(trans)[entry.status as ExecutionStatus] ??
      entry.status);
  if (entry.outcome === 'active') {
    return isRun
      ? trans.__('last run: %1', status)
      : trans.__('last execution: %1', status);
  }
  const when = formatRelativeTime(
    entry.finished_at ?? entry.started_at ?? entry.created_at,
    now,
    'short'
  );
  return isRun
    ? trans.__('last run: %1 %2', status, when)
    : trans.__('last execution: %1 %2', status, when);
}

/**
 * How the "Last run" picker names a run or an execution: `Run 14:02 ·
 * succeeded`, `Execution 09:30 · user error`; with the day when it is not
 * today.
 */
export function entryLabel(
  entry: Pick<IHistoryEntry, 'kind' | 'status' | 'created_at'>,
  trans: TranslationBundle = translations(),
  now: Date = new Date()
): string {
  const at = new Date(entry.created_at);
  const time = at.toLocaleTimeString([], {
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23'
  });
  const when =
    at.toDateString() === now.toDateString()
      ? time
      : `${at.toLocaleDateString([], { month: 'short', day: 'numeric' })} ${time}`;
  if (entry.kind === 'run') {
    const status = entry.status as RunStatus;
    return trans.__(
      'Run %1 · %2',
      when,
      runStatusLabels(trans)[status] ?? status
    );
  }
  const status = entry.status as ExecutionStatus;
  return trans.__(
    'Execution %1 · %2',
    when,
    executionStatusLabels(trans)[status] ?? status
  );
}

/**
 * The "Last run" picker: which run or execution of the job the cells show,
 * the latest by default.
 */
class RunPicker extends Widget {
  constructor(selection: RunSelection, trans: TranslationBundle) {
    super({ node: document.createElement('label') });
    this.addClass('dataops-run-picker');
    this._selection = selection;
    this._trans = trans;
    const caption = document.createElement('span');
    caption.className = 'dataops-run-picker-label';
    caption.textContent = trans.__('Last run');
    this._select = document.createElement('select');
    this._select.className = 'jp-mod-styled';
    this._select.title = trans.__(
      'The run or execution whose step statuses the cells show'
    );
    this._select.addEventListener('change', () => {
      selection.choice = this._select.value;
    });
    this.node.append(caption, this._select);
    selection.changed.connect(this.refresh, this);
    this.refresh();
  }

  /** List the recent runs and executions again (only when they changed). */
  refresh(): void {
    if (this.isDisposed) {
      return;
    }
    const trans = this._trans;
    const latest = this._selection.latest;
    const options: [string, string][] = [
      [
        LATEST,
        latest
          ? trans.__('Latest: %1', entryLabel(latest, trans))
          : trans.__('Latest')
      ],
      ...this._selection.entries.map(
        entry => [entryKey(entry), entryLabel(entry, trans)] as [string, string]
      )
    ];
    const choice = this._selection.choice;
    if (choice !== LATEST && !options.some(([key]) => key === choice)) {
      // A chosen run that left the first page of the history stays listed.
      options.push([choice, trans.__('Chosen run')]);
    }
    const key = JSON.stringify(options);
    if (key !== this._shown) {
      this._shown = key;
      this._select.replaceChildren(
        ...options.map(([value, text]) => {
          const option = document.createElement('option');
          option.value = value;
          option.textContent = text;
          return option;
        })
      );
    }
    this._select.value = choice;
  }

  dispose(): void {
    this._selection.changed.disconnect(this.refresh, this);
    super.dispose();
  }

  private _select: HTMLSelectElement;
  private _selection: RunSelection;
  private _shown = '';
  private _trans: TranslationBundle;
}

/** The parts of a notebook panel the job toolbar needs. */
export interface IJobToolbarHost {
  readonly toolbar: Toolbar<Widget>;
  readonly context: {
    readonly path: string;
    readonly pathChanged: ISignal<unknown, string>;
  };
}

/**
 * The job items of one notebook's toolbar. In a notebook of a job: "Run
 * job", "Run with arguments…", "Deploy job" (with a control service) and
 * the job's last run status, and with a run selection the "Last run"
 * picker; in any other notebook: "Convert to job". The buttons run the Data
 * Jobs commands. The run selection keeps the jobs model polling while the
 * notebook is shown, so that the status follows a run.
 */
export class JobToolbar implements IDisposable {
  constructor(options: JobToolbar.IOptions) {
    const { commands, host } = options;
    this._host = host;
    this._model = options.model;
    this._deployments = options.deployments ?? null;
    const trans = (options.translator ?? nullTranslator).load(
      'dataops_jupyter'
    );
    this._trans = trans;
    const job = () => this._job;

    this._run = new ToolbarButton({
      icon: runIcon,
      label: trans.__('Run job'),
      className: 'dataops-toolbar-run',
      tooltip: trans.__('Run this job as production would'),
      onClick: () => {
        const current = job();
        if (current) {
          void commands.execute(CommandIDs.runJob, { name: current.name });
        }
      }
    });
    this._runWithArguments = new ToolbarButton({
      label: trans.__('Run with arguments…'),
      className: 'dataops-toolbar-run-arguments',
      tooltip: trans.__('Run this job with arguments you choose'),
      onClick: () => {
        const current = job();
        if (current) {
          void commands.execute(CommandIDs.runJob, {
            name: current.name,
            ask: true
          });
        }
      }
    });
    this._deploy = new ToolbarButton({
      icon: fileUploadIcon,
      label: trans.__('Deploy job'),
      className: 'dataops-toolbar-deploy',
      tooltip: trans.__('Deploy this job to the control service'),
      onClick: () => {
        const current = job();
        if (current) {
          void commands.execute(CommandIDs.deployJob, {
            name: current.name,
            path: current.path,
            ask: true
          });
        }
      }
    });
    this._status = new Widget({ node: document.createElement('button') });
    this._status.addClass('dataops-job-status');
    this._status.node.setAttribute('type', 'button');
    this._status.node.onclick = () => {
      const current = job();
      const entry = this._latest();
      if (current && entry) {
        void openEntryLog(commands, current.name, entry);
      }
    };
    this._selection = options.selection ?? null;
    this._picker = options.selection
      ? new RunPicker(options.selection, trans)
      : null;
    this._convert = new ToolbarButton({
      icon: dataJobsIcon,
      label: trans.__('Convert to job'),
      className: 'dataops-toolbar-convert',
      tooltip: trans.__('Make this notebook a data job'),
      onClick: () =>
        void commands.execute(CommandIDs.convertToJob, {
          path: host.context.path
        })
    });

    let after = 'cellType';
    // The status first: on a narrow toolbar the last items move into its
    // "More commands" menu.
    for (const [name, widget] of [
      ['dataops-job-status', this._status],
      ...(this._picker
        ? ([['dataops-run-picker', this._picker]] as [string, Widget][])
        : []),
      ['dataops-run-job', this._run],
      ['dataops-run-job-arguments', this._runWithArguments],
      ['dataops-deploy-job', this._deploy],
      ['dataops-convert-to-job', this._convert]
    ] as [string, Widget][]) {
      if (!host.toolbar.insertAfter(after, name, widget)) {
        host.toolbar.addItem(name, widget);
      }
      after = name;
    }

    this._model.changed.connect(this._update, this);
    this._deployments?.changed.connect(this._update, this);
    this._selection?.changed.connect(this._update, this);
    host.context.pathChanged.connect(this._update, this);
    this._clock = window.setInterval(() => this._update(), CLOCK_INTERVAL);
    this._update();
  }

  /** The job the notebook belongs to, if any. */
  get job(): Job | undefined {
    return this._job;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    window.clearInterval(this._clock);
    this._model.changed.disconnect(this._update, this);
    this._deployments?.changed.disconnect(this._update, this);
    this._selection?.changed.disconnect(this._update, this);
    this._host.context.pathChanged.disconnect(this._update, this);
    for (const widget of [
      this._run,
      this._runWithArguments,
      this._deploy,
      this._status,
      this._convert,
      this._picker
    ]) {
      widget?.dispose();
    }
  }

  private _update(): void {
    if (this._isDisposed) {
      return;
    }
    const model = this._model;
    const job = model.hasLoaded
      ? jobOfNotebook(model.jobs, this._host.context.path)
      : undefined;
    this._job = job;
    const inJob = job !== undefined;
    this._run.setHidden(!inJob);
    this._runWithArguments.setHidden(!inJob);
    this._deploy.setHidden(!inJob || this._deployments?.configured !== true);
    this._status.setHidden(!inJob);
    this._picker?.setHidden(!inJob);
    this._convert.setHidden(inJob || !model.hasLoaded);
    if (!job) {
      return;
    }
    // A new deployed version: its executions join the history at once.
    const version = this._deployments?.job(job.name)?.active_version ?? null;
    const deployed = `${job.name}:${version}`;
    if (deployed !== this._deployed) {
      const known = this._deployed !== '';
      this._deployed = deployed;
      if (known && version !== null) {
        void this._selection?.refresh();
      }
    }
    const entry = this._latest();
    const node = this._status.node;
    node.textContent = lastEntryText(entry, this._trans);
    node.dataset.status = entry?.outcome ?? 'none';
    node.title = !entry
      ? this._trans.__('This job has not run here yet')
      : entry.kind === 'run'
        ? this._trans.__('Open the log of run %1', entry.id)
        : this._trans.__('Open the log of execution %1', entry.id);
  }

  /** The job's newest run or execution: the run selection's, else the newest local run. */
  private _latest(): IHistoryEntry | null {
    if (this._selection) {
      return this._selection.latest;
    }
    const run = this._job && this._model.runs(this._job.name)[0];
    return run ? runEntry(run) : null;
  }

  private _clock: number;
  private _convert: ToolbarButton;
  private _deploy: ToolbarButton;
  /** The job and its deployed version the toolbar last saw. */
  private _deployed = '';
  private _deployments: IDeploymentsModel | null;
  private _host: IJobToolbarHost;
  private _isDisposed = false;
  private _job: Job | undefined = undefined;
  private _model: IDataJobsModel;
  private _picker: RunPicker | null;
  private _run: ToolbarButton;
  private _selection: RunSelection | null;
  private _runWithArguments: ToolbarButton;
  private _status: Widget;
  private _trans: TranslationBundle;
}

export namespace JobToolbar {
  export interface IOptions {
    host: IJobToolbarHost;
    commands: CommandRegistry;
    model: IDataJobsModel;
    /** With a control service configured, the toolbar offers "Deploy job". */
    deployments?: IDeploymentsModel;
    translator?: ITranslator;
    /** The run the notebook's cells show: with it, the toolbar has the "Last run" picker. */
    selection?: RunSelection;
  }
}

/** Adds the job items to the toolbar of every notebook. */
export class JobToolbarExtension implements DocumentRegistry.IWidgetExtension<
  NotebookPanel,
  INotebookModel
> {
  constructor(private _options: Omit<JobToolbar.IOptions, 'host'>) {}

  createNew(panel: NotebookPanel): IDisposable {
    // The sidebar loads the jobs while it is shown; a notebook needs them too.
    const { model, deployments } = this._options;
    if (!model.hasLoaded) {
      void loadJobsForNotebooks(model);
    }
    if (deployments && deployments.configured === null) {
      void deployments.refresh();
    }
    const items = new JobToolbar({
      ...this._options,
      host: panel,
      selection: runSelectionOf(panel, model)
    });
    panel.disposed.connect(() => items.dispose());
    return items;
  }
}

/** The job toolbar of notebooks and the "Convert to job" command. */
export const jobToolbarPlugin: JupyterFrontEndPlugin<void> = {
  id: 'dataops-jupyter:job-toolbar',
  description:
    'Notebook toolbar: run, deploy and follow the job of a notebook, or convert a notebook to a job.',
  autoStart: true,
  requires: [IDataJobsModel, INotebookTracker],
  optional: [ITranslator, IDeploymentsModel, ICommandPalette],
  activate: (
    app: JupyterFrontEnd,
    model: IDataJobsModel,
    tracker: INotebookTracker,
    translator: ITranslator | null,
    deployments: IDeploymentsModel | null,
    palette: ICommandPalette | null
  ): void => {
    addConvertToJobCommand(app.commands, {
      model,
      tracker,
      translator: translator ?? undefined
    });
    app.docRegistry.addWidgetExtension(
      'Notebook',
      new JobToolbarExtension({
        commands: app.commands,
        model,
        deployments: deployments ?? undefined,
        translator: translator ?? undefined
      })
    );
    palette?.addItem({
      command: CommandIDs.convertToJob,
      category: translations(translator).__('Data Jobs'),
      args: { isPalette: true }
    });
  }
};
