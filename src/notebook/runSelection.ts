/**
 * The run a job notebook shows on its cells: the latest local run or
 * execution of its job, or one the "Last run" picker chose, kept live while
 * the notebook is on screen. The toolbar's picker and the cells' badges of
 * one notebook share it.
 */
import { CommandRegistry } from '@lumino/commands';
import { IDisposable } from '@lumino/disposable';
import { IMessageHandler, Message, MessageLoop } from '@lumino/messaging';
import { ISignal, Signal } from '@lumino/signaling';

import { CommandIDs } from '../commandIds';
import { IHistoryEntry, entryKey, runEntry } from '../jobHistory';
import { JobViewModel } from '../jobViewModel';
import { PollingModel } from '../pollingModel';
import { DataOpsService } from '../service';
import { IDataJobsModel } from '../tokens';
import { jobOfNotebook } from './jobCells';

/** The choice of the picker that follows the newest run or execution. */
export const LATEST = 'latest';

/**
 * The newest of the job model's newest run and the history's entries; for
 * the same run, the job model's copy (the live one).
 */
export function latestEntry(
  modelRun: IHistoryEntry | null,
  history: ReadonlyArray<IHistoryEntry>
): IHistoryEntry | null {
  const first = history[0] ?? null;
  if (!modelRun) {
    return first;
  }
  if (!first || entryKey(first) === entryKey(modelRun)) {
    return modelRun;
  }
  return Date.parse(modelRun.created_at) >= Date.parse(first.created_at)
    ? modelRun
    : first;
}

/** Open the log of a run or an execution of `job` (where a failed step's traceback is). */
export function openEntryLog(
  commands: CommandRegistry,
  job: string,
  entry: Pick<IHistoryEntry, 'kind' | 'id'>
): Promise<unknown> {
  return entry.kind === 'run'
    ? commands.execute(CommandIDs.openRunLog, { job, runId: entry.id })
    : commands.execute(CommandIDs.openExecutionLog, {
        job,
        executionId: entry.id
      });
}

/** The parts of a notebook panel the selection needs. */
export interface IRunSelectionHost extends IMessageHandler {
  readonly context: {
    readonly path: string;
    readonly pathChanged: ISignal<unknown, string>;
  };
  readonly isVisible: boolean;
  readonly isDisposed: boolean;
}

/** The run one job notebook shows on its cells. */
export class RunSelection implements IDisposable {
  constructor(options: RunSelection.IOptions) {
    this._host = options.host;
    this._model = options.model;
    this._service = options.service;
    this._view = this._model.addView();
    this._model.changed.connect(this._onModelChanged, this);
    this._host.context.pathChanged.connect(this._onModelChanged, this);
    MessageLoop.installMessageHook(this._host, this._hook);
    this._onModelChanged();
  }

  /** Changed when the job, the entries or the selected run changed. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** The job of the notebook, if any. */
  get job(): string | null {
    return this._history?.name ?? null;
  }

  /** The picker's choice: `latest` or an entry's key. */
  get choice(): string {
    return this._choice;
  }
  set choice(value: string) {
    if (value !== this._choice) {
      this._choice = value;
      this._changed.emit();
    }
  }

  /** The job's recent runs and executions, newest first (the history's first page). */
  get entries(): ReadonlyArray<IHistoryEntry> {
    const history = this._history?.history.entries ?? [];
    const latest = this._modelEntry();
    if (latest && !history.some(e => entryKey(e) === entryKey(latest))) {
      return [latest, ...history];
    }
    return history.map(entry =>
      latest && entryKey(entry) === entryKey(latest) ? latest : entry
    );
  }

  /** The job's newest run or execution, or null (none yet, or not loaded). */
  get latest(): IHistoryEntry | null {
    return latestEntry(this._modelEntry(), this.entries);
  }

  /** The run or execution the cells show: the latest, or the one chosen. */
  get selected(): IHistoryEntry | null {
    if (this._choice === LATEST) {
      return this.latest;
    }
    return this.entries.find(entry => entryKey(entry) === this._choice) ?? null;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Load the job's runs and executions again now (e.g. after a deploy). */
  refresh(): Promise<void> {
    return this._history?.refresh() ?? Promise.resolve();
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    MessageLoop.removeMessageHook(this._host, this._hook);
    this._model.changed.disconnect(this._onModelChanged, this);
    this._host.context.pathChanged.disconnect(this._onModelChanged, this);
    this._view.dispose();
    this._history?.dispose();
    this._history = null;
    Signal.clearData(this);
  }

  /** The job model's newest run of the job, as an entry. */
  private _modelEntry(): IHistoryEntry | null {
    const job = this.job;
    const run = job ? this._model.runs(job)[0] : undefined;
    return run ? runEntry(run) : null;
  }

  private _onModelChanged(): void {
    if (this._isDisposed) {
      return;
    }
    const job = this._model.hasLoaded
      ? (jobOfNotebook(this._model.jobs, this._host.context.path)?.name ?? null)
      : this.job;
    if (job !== this.job) {
      this._history?.dispose();
      this._history = job
        ? new JobViewModel(job, { service: this._service, loadsJob: false })
        : null;
      this._history?.changed.connect(() => this._changed.emit());
      this._choice = LATEST;
      this._seen = '';
    }
    this._updateVisibility();
    // A run the history does not know yet (just started), or one that moved
    // on: the history loads again, so that the picker lists it as it is.
    const latest = this._modelEntry();
    const seen = latest ? `${entryKey(latest)}:${latest.status}` : '';
    if (seen !== this._seen) {
      this._seen = seen;
      void this._history?.refresh();
    }
    this._changed.emit();
  }

  private _updateVisibility(): void {
    const shown = this._host.isVisible && this._history !== null;
    this._view.setVisible(shown);
    this._history?.setVisible(shown);
  }

  private _hook = (_: IMessageHandler, msg: Message): boolean => {
    switch (msg.type) {
      case 'after-show':
      case 'after-attach':
      case 'after-hide':
      case 'before-detach':
        // The widget's visibility is updated once the message is handled.
        void Promise.resolve().then(() => {
          if (!this._isDisposed && !this._host.isDisposed) {
            this._updateVisibility();
          }
        });
        break;
    }
    return true;
  };

  private _changed = new Signal<this, void>(this);
  private _choice = LATEST;
  private _history: JobViewModel | null = null;
  private _host: IRunSelectionHost;
  private _isDisposed = false;
  private _model: IDataJobsModel;
  /** The job model's newest run (and status) the history was last loaded for. */
  private _seen = '';
  private _service: DataOpsService | undefined;
  private _view: PollingModel.IView;
}

export namespace RunSelection {
  export interface IOptions {
    /** The notebook panel. */
    host: IRunSelectionHost;
    model: IDataJobsModel;
    /** The REST client of the history; one with the page's settings by default. */
    service?: DataOpsService;
  }
}

/** The selection of each notebook panel, shared by its toolbar and its cells. */
const selections = new WeakMap<IRunSelectionHost, RunSelection>();

/** The run selection of a notebook panel (made on first use, gone with the panel). */
export function runSelectionOf(
  host: IRunSelectionHost & { disposed: ISignal<unknown, void> },
  model: IDataJobsModel
): RunSelection {
  let selection = selections.get(host);
  if (!selection || selection.isDisposed) {
    const made = new RunSelection({ host, model });
    selections.set(host, made);
    host.disposed.connect(() => made.dispose());
    selection = made;
  }
  return selection;
}
