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
import { RUN_STATUS_LABELS } from '../components/RunBadge';
import { formatRelativeTime } from '../components/time';
import { FAST_POLL_INTERVAL } from '../pollingModel';
import { IDataJobsModel, IDeploymentsModel } from '../tokens';
import { Job, Run, isActiveRun } from '../types';
import { addConvertToJobCommand } from './convertToJob';
import { jobOfNotebook } from './jobCells';
import { translations } from '../translation';
import { loadJobsForNotebooks } from './openedNotebooks';

/** How often the status chip's "2 minutes ago" is written again (ms). */
const CLOCK_INTERVAL = 30000;

/**
 * The words of a job's status chip: "last run: failed 2 min. ago",
 * "last run: running", or "no runs yet".
 */
export function lastRunText(
  run: Run | undefined,
  trans: TranslationBundle = translations(),
  now: number = Date.now()
): string {
  if (!run) {
    return trans.__('no runs yet');
  }
  const status = trans.__(RUN_STATUS_LABELS[run.status] ?? run.status);
  if (isActiveRun(run)) {
    return trans.__('last run: %1', status);
  }
  const when = run.finished_at ?? run.started_at ?? run.created_at;
  return trans.__(
    'last run: %1 %2',
    status,
    formatRelativeTime(when, now, 'short')
  );
}

/** The parts of a notebook panel the job toolbar needs. */
export interface IJobToolbarHost {
  readonly toolbar: Toolbar<Widget>;
  readonly context: {
    readonly path: string;
    readonly pathChanged: ISignal<unknown, string>;
  };
  readonly isVisible: boolean;
}

/**
 * The job items of one notebook's toolbar. In a notebook of a job: "Run
 * job", "Run with arguments…", "Deploy job" (with a control service) and
 * the job's last run status; in any other notebook: "Convert to job". The
 * buttons run the Data Jobs commands.
 *
 * While the last run is active and the jobs model is not polling (the
 * sidebar is closed), the toolbar refreshes the model itself, so that the
 * status follows the run.
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
      const run = current && this._model.runs(current.name)[0];
      if (run) {
        void commands.execute(CommandIDs.openRunLog, {
          job: run.job,
          runId: run.run_id
        });
      }
    };
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
    window.clearTimeout(this._refresh);
    this._model.changed.disconnect(this._update, this);
    this._deployments?.changed.disconnect(this._update, this);
    this._host.context.pathChanged.disconnect(this._update, this);
    for (const widget of [
      this._run,
      this._runWithArguments,
      this._deploy,
      this._status,
      this._convert
    ]) {
      widget.dispose();
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
    this._convert.setHidden(inJob || !model.hasLoaded);
    if (!job) {
      return;
    }
    const run = model.runs(job.name)[0];
    const node = this._status.node;
    node.textContent = lastRunText(run, this._trans);
    node.dataset.status = run?.status ?? 'none';
    node.title = run
      ? this._trans.__('Open the log of run %1', run.run_id)
      : this._trans.__('This job has not run here yet');
    if (run && isActiveRun(run) && !model.isPolling) {
      window.clearTimeout(this._refresh);
      this._refresh = window.setTimeout(() => {
        if (this._host.isVisible) {
          void model.refresh();
        } else {
          this._update();
        }
      }, FAST_POLL_INTERVAL);
    }
  }

  private _clock: number;
  private _convert: ToolbarButton;
  private _deploy: ToolbarButton;
  private _deployments: IDeploymentsModel | null;
  private _host: IJobToolbarHost;
  private _isDisposed = false;
  private _job: Job | undefined = undefined;
  private _model: IDataJobsModel;
  private _refresh = 0;
  private _run: ToolbarButton;
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
    const items = new JobToolbar({ ...this._options, host: panel });
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
