/**
 * What each cell of a job notebook is in the job, shown on the cell: a badge
 * with the step's number and name (click to rename), a "Parameters" badge,
 * and a subtle "scratch" marker on the code cells the job never runs. The
 * badges follow the notebook live: cells added, removed or moved, and tags
 * changed anywhere (also in the Property Inspector). With a run shown, each
 * step's badge row also says how the step went in it: status, duration,
 * rows ingested, contract checks, and a failed step's error.
 */
import { Cell, ICellModel } from '@jupyterlab/cells';
import { Notebook } from '@jupyterlab/notebook';
import { TranslationBundle } from '@jupyterlab/translation';
import { IDisposable } from '@lumino/disposable';
import { Signal } from '@lumino/signaling';
import { PanelLayout, Widget } from '@lumino/widgets';

import { IHistoryEntry } from '../jobHistory';
import { setTags, cellTagsOf, tagsOf } from './cellTags';
import { ICellStatusView, cellStatusView, stepsOfCells } from './cellStatus';
import {
  CellRole,
  INotebookPlace,
  STEP_TAG,
  cellRoles,
  stepNameProblem,
  withStep
} from './jobCells';
import { askStepName, stepNameMessage } from './StepNameForm';
import { StepResult } from '../types';

/** Classes a cell gets for its role in the job. */
export const ROLE_CLASSES = {
  step: 'dataops-cell-step',
  parameters: 'dataops-cell-parameters',
  scratch: 'dataops-cell-scratch'
} as const;

/** What a cell's badge says, or null when the cell gets none. */
export function badgeText(
  role: CellRole,
  trans: TranslationBundle
): string | null {
  switch (role.kind) {
    case 'step':
      return trans.__('Step %1 · %2', role.number, role.name);
    case 'parameters':
      return trans.__('Parameters');
    case 'scratch':
      return trans.__('scratch');
    default:
      return null;
  }
}

/** What of a place the badges show: equal keys, equal badges. */
function placeKey(place: INotebookPlace | null): string {
  return place
    ? JSON.stringify([
        place.job.name,
        place.notebook,
        place.firstNumber,
        place.otherSteps.map(step => [step.name, step.notebook])
      ])
    : '';
}

/** The row above a cell's input that shows its role. */
class RoleBadge extends Widget {
  constructor(onRename: () => void, onTraceback: () => void) {
    super();
    this.addClass('dataops-cell-role');
    this._button = document.createElement('button');
    this._button.type = 'button';
    this._button.className = 'dataops-step-badge';
    this._button.addEventListener('click', event => {
      event.stopPropagation();
      onRename();
    });
    this._label = document.createElement('span');
    this._status = document.createElement('span');
    this._status.className = 'dataops-cell-status';
    this._error = document.createElement('div');
    this._error.className = 'dataops-cell-error';
    this._errorText = document.createElement('span');
    this._errorText.className = 'dataops-cell-error-text';
    this._traceback = document.createElement('button');
    this._traceback.type = 'button';
    this._traceback.className = 'dataops-cell-traceback';
    this._traceback.addEventListener('click', event => {
      event.stopPropagation();
      onTraceback();
    });
    this._error.append(this._errorText, this._traceback);
    this.node.append(this._button, this._label, this._status, this._error);
  }

  /** Show how the step went in the shown run; null: no run is shown. */
  renderStatus(view: ICellStatusView | null, trans: TranslationBundle): void {
    this._status.hidden = view === null;
    this._error.hidden = !view?.error;
    this._status.replaceChildren();
    this._errorText.textContent = view?.error ?? '';
    this._errorText.title = view?.error ?? '';
    this._traceback.textContent = view?.error ? trans.__('Show traceback') : '';
    this._traceback.title = trans.__('Open the log of this run');
    if (!view) {
      delete this._status.dataset.status;
      return;
    }
    this._status.dataset.status = view.status;
    const part = (className: string, text: string) => {
      const span = document.createElement('span');
      span.className = className;
      span.textContent = text;
      this._status.append(span);
      return span;
    };
    part('dataops-cell-status-icon', '').setAttribute('aria-hidden', 'true');
    part('dataops-cell-status-label', view.label);
    for (const [className, text] of [
      ['dataops-cell-status-duration', view.duration],
      ['dataops-cell-status-rows', view.rows],
      ['dataops-cell-status-checks', view.checks]
    ]) {
      if (text) {
        part(className, text).dataset.failed =
          className === 'dataops-cell-status-checks' && view.checksFailed
            ? 'true'
            : 'false';
      }
    }
  }

  /** Show `text` for a cell with `role`. */
  render(role: CellRole, text: string, trans: TranslationBundle): void {
    const isStep = role.kind === 'step';
    this.node.dataset.role = role.kind;
    this._button.hidden = !isStep;
    this._label.hidden = isStep;
    this._button.textContent = isStep ? text : '';
    this._label.textContent = isStep ? '' : text;
    if (isStep) {
      this._button.title = trans.__('Rename step %1', role.name);
    } else {
      this._label.className =
        role.kind === 'parameters'
          ? 'dataops-parameters-badge'
          : 'dataops-scratch-label';
      this._label.title =
        role.kind === 'parameters'
          ? trans.__('The defaults of the job arguments')
          : trans.__('Not part of the job: it never runs in the job');
    }
  }

  private _button: HTMLButtonElement;
  private _error: HTMLDivElement;
  private _errorText: HTMLSpanElement;
  private _label: HTMLSpanElement;
  private _status: HTMLSpanElement;
  private _traceback: HTMLButtonElement;
}

/** The role badges of one notebook. */
export class StepBadges implements IDisposable {
  constructor(options: StepBadges.IOptions) {
    this._notebook = options.notebook;
    this._trans = options.trans;
    this._onChange = options.onChange;
    this._onTraceback = options.onTraceback;
    this._notebook.modelChanged.connect(this._onModelChanged, this);
    this._onModelChanged();
  }

  /**
   * Where the notebook stands in its job; null for a notebook no job lists,
   * which gets no badges.
   */
  get place(): INotebookPlace | null {
    return this._place;
  }
  set place(value: INotebookPlace | null) {
    const unchanged = placeKey(value) === placeKey(this._place);
    this._place = value;
    if (!unchanged) {
      this._schedule();
    }
  }

  /** The run or execution whose step statuses the cells show; null for none. */
  get run(): IHistoryEntry | null {
    return this._run;
  }
  set run(value: IHistoryEntry | null) {
    this._run = value;
    this._schedule();
  }

  /** Whether untagged code cells are marked as scratch. */
  get showScratch(): boolean {
    return this._showScratch;
  }
  set showScratch(value: boolean) {
    this._showScratch = value;
    this._schedule();
  }

  /** The roles of the notebook's cells now, numbered within the job. */
  roles(): CellRole[] {
    return cellRoles(
      cellTagsOf(this._notebook.widgets.map(cell => cell.model)),
      this._place?.firstNumber ?? 1
    );
  }

  /** Show every cell's role now (updates otherwise follow changes on their own). */
  update(): void {
    if (this._isDisposed) {
      return;
    }
    const roles = this._place ? this.roles() : null;
    const steps = this._stepsOfCells(roles);
    this._notebook.widgets.forEach((cell, index) =>
      this._decorate(cell, roles ? roles[index] : null, steps?.[index])
    );
    this._onChange?.();
  }

  /**
   * Ask for a new name of the step `cell` and write it as `step:<name>`; a
   * name the job cannot have is refused in the dialog.
   */
  async rename(cell: Cell): Promise<void> {
    const place = this._place;
    const index = this._notebook.widgets.indexOf(cell);
    const role = this.roles()[index];
    if (!place || role?.kind !== 'step') {
      return;
    }
    const trans = this._trans;
    const problem = (name: string): string | null => {
      const found = stepNameProblem(
        name,
        index,
        this.roles(),
        place.otherSteps
      );
      return found && stepNameMessage(found, place.job.name, trans);
    };
    const name = await askStepName(trans.__('Rename step %1', role.number), {
      trans,
      name: role.named ? role.name : '',
      defaultName: `${STEP_TAG}-${role.number}`,
      problem
    });
    if (name !== null && !cell.isDisposed) {
      setTags(cell.model, withStep(tagsOf(cell.model), name));
    }
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    if (!this._notebook.isDisposed) {
      this._place = null;
      this.update();
    }
    this._isDisposed = true;
    Signal.disconnectReceiver(this);
  }

  /** The shown run's step of each cell; null when no run is shown. */
  private _stepsOfCells(
    roles: CellRole[] | null
  ): ReturnType<typeof stepsOfCells> | null {
    const place = this._place;
    if (!roles || !place || !this._run) {
      return null;
    }
    return stepsOfCells(
      this._run.steps,
      place.notebook,
      this._notebook.widgets.map((cell, index) => {
        const role = roles[index];
        return {
          id: cell.model.id,
          step: role?.kind === 'step' ? role.name : null
        };
      })
    );
  }

  private _decorate(
    cell: Cell,
    role: CellRole | null,
    step?: StepResult | null
  ): void {
    const shown =
      role &&
      (role.kind === 'step' ||
        role.kind === 'parameters' ||
        (role.kind === 'scratch' && this._showScratch))
        ? role
        : null;
    for (const [kind, name] of Object.entries(ROLE_CLASSES)) {
      cell.toggleClass(name, shown?.kind === kind);
    }
    let badge = this._badges.get(cell);
    const text = shown && badgeText(shown, this._trans);
    if (!shown || !text) {
      badge?.dispose();
      this._badges.delete(cell);
      return;
    }
    if (!badge || badge.isDisposed) {
      badge = new RoleBadge(
        () => void this.rename(cell),
        () => this._run && this._onTraceback?.(this._run)
      );
      (cell.layout as PanelLayout).insertWidget(0, badge);
      this._badges.set(cell, badge);
    }
    badge.render(shown, text, this._trans);
    const withStatus = shown.kind === 'step' && step !== undefined;
    badge.renderStatus(
      withStatus ? cellStatusView(step, this._trans) : null,
      this._trans
    );
  }

  private _onModelChanged(): void {
    const cells = this._notebook.model?.cells;
    if (cells) {
      cells.changed.connect(this._onCellsChanged, this);
      for (const cell of cells) {
        this._watch(cell);
      }
    }
    this._schedule();
  }

  private _onCellsChanged(
    _: unknown,
    change: { newValues: ReadonlyArray<ICellModel> }
  ): void {
    change.newValues.forEach(cell => this._watch(cell));
    this._schedule();
  }

  private _watch(cell: ICellModel): void {
    if (!this._watched.has(cell)) {
      this._watched.add(cell);
      cell.metadataChanged.connect(this._onMetadataChanged, this);
    }
  }

  private _onMetadataChanged(_: ICellModel, change: { key: string }): void {
    if (change.key === 'tags') {
      this._schedule();
    }
  }

  /** Update once after the current changes (the notebook makes its cell widgets first). */
  private _schedule(): void {
    if (this._scheduled || this._isDisposed) {
      return;
    }
    this._scheduled = true;
    void Promise.resolve().then(() => {
      this._scheduled = false;
      this.update();
    });
  }

  private _badges = new WeakMap<Cell, RoleBadge>();
  private _isDisposed = false;
  private _notebook: Notebook;
  private _onChange: (() => void) | undefined;
  private _onTraceback: ((run: IHistoryEntry) => void) | undefined;
  private _place: INotebookPlace | null = null;
  private _run: IHistoryEntry | null = null;
  private _scheduled = false;
  private _showScratch = true;
  private _trans: TranslationBundle;
  private _watched = new WeakSet<ICellModel>();
}

/** The options of the role badges. */
export namespace StepBadges {
  export interface IOptions {
    /** The notebook whose cells get badges. */
    notebook: Notebook;
    trans: TranslationBundle;
    /** Called after every update of the badges (roles may have changed). */
    onChange?: () => void;
    /** Show the full traceback of a failed step of the shown run (its log). */
    onTraceback?: (run: IHistoryEntry) => void;
  }
}
