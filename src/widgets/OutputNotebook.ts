import * as nbformat from '@jupyterlab/nbformat';
import { OutputArea, OutputAreaModel } from '@jupyterlab/outputarea';
import { IRenderMimeRegistry, MimeModel } from '@jupyterlab/rendermime';
import { TranslationBundle } from '@jupyterlab/translation';
import { ISignal, Signal } from '@lumino/signaling';
import { Panel, Widget } from '@lumino/widgets';

import { describeError } from '../pollingModel';
import { DataOpsService } from '../service';
import { translations } from '../translation';

/** Where an output notebook comes from: a local run or an execution. */
export interface INotebookSource {
  /** Shown above the notebook, e.g. `products · run 20261201T…`. */
  readonly title: string;
  /** The executed notebook (nbformat 4 JSON). */
  load(): Promise<nbformat.INotebookContent>;
}

/** The output notebook of a local run. */
export function runNotebook(
  service: DataOpsService,
  job: string,
  runId: string,
  trans: TranslationBundle = translations()
): INotebookSource {
  return {
    title: trans.__('%1 · run %2', job, runId),
    load: () => service.getRunNotebook(runId)
  };
}

/** The output notebook of an execution on the control service. */
export function executionNotebook(
  service: DataOpsService,
  job: string,
  executionId: string,
  trans: TranslationBundle = translations()
): INotebookSource {
  return {
    title: trans.__('%1 · execution %2', job, executionId),
    load: () => service.getExecutionNotebook(job, executionId)
  };
}

/**
 * The executed notebook of a run or an execution, read-only: each cell's
 * source and its outputs, rendered with the application's renderers (with
 * untrusted outputs sanitized). Markdown cells are rendered, step cells
 * carry their step name. Reload fetches the notebook again.
 */
export class OutputNotebook extends Panel {
  constructor(options: OutputNotebook.IOptions) {
    super();
    this.source = options.source;
    this._rendermime = options.rendermime;
    const trans = options.trans ?? translations();
    this._trans = trans;
    this.addClass('dataops-output-notebook');

    const header = new Widget();
    header.addClass('dataops-output-header');
    const title = document.createElement('span');
    title.className = 'dataops-output-title';
    title.textContent = this.source.title;
    const note = document.createElement('span');
    note.className = 'dataops-output-note';
    note.textContent = trans.__('Output notebook · read-only');
    const reload = document.createElement('button');
    reload.type = 'button';
    reload.className = 'jp-mod-styled dataops-output-reload';
    reload.textContent = trans.__('Reload');
    reload.setAttribute('aria-label', trans.__('Reload the output notebook'));
    reload.onclick = () => void this.load();
    this._messageNode = document.createElement('div');
    this._messageNode.className = 'dataops-output-message';
    this._messageNode.setAttribute('role', 'status');
    header.node.append(title, note, reload, this._messageNode);
    this.addWidget(header);

    this._cells = new Panel();
    this._cells.addClass('dataops-output-cells');
    this.addWidget(this._cells);
    this.ready = this.load();
  }

  /** Where the notebook comes from. */
  readonly source: INotebookSource;

  /** Settles once the first load ended (well or not). */
  readonly ready: Promise<void>;

  /** Emitted after each load. */
  get loaded(): ISignal<this, void> {
    return this._loaded;
  }

  /** The message of the last failed load, or null. */
  get error(): string | null {
    return this._error;
  }

  /** Fetch the notebook and show it; a failure shows its message. */
  async load(): Promise<void> {
    this._messageNode.textContent = this._trans.__('Loading…');
    try {
      const notebook = await this.source.load();
      if (this.isDisposed) {
        return;
      }
      this._error = null;
      this._show(notebook);
      this._messageNode.textContent = '';
    } catch (error) {
      if (this.isDisposed) {
        return;
      }
      this._error = describeError(error);
      this._messageNode.textContent = this._trans.__(
        'Could not load the output notebook: %1',
        this._error
      );
    }
    this._loaded.emit();
  }

  private _show(notebook: nbformat.INotebookContent): void {
    for (const widget of [...this._cells.widgets]) {
      widget.dispose();
    }
    for (const cell of notebook.cells ?? []) {
      this._cells.addWidget(this._cell(cell));
    }
    if ((notebook.cells ?? []).length === 0) {
      const empty = new Widget();
      empty.node.textContent = this._trans.__('The notebook has no cells.');
      empty.addClass('dataops-output-empty');
      this._cells.addWidget(empty);
    }
  }

  private _cell(cell: nbformat.ICell): Widget {
    const panel = new Panel();
    panel.addClass('dataops-output-cell');
    panel.node.dataset.cellType = cell.cell_type;
    const source = Array.isArray(cell.source)
      ? cell.source.join('')
      : cell.source;
    if (cell.cell_type === 'markdown') {
      const renderer = this._rendermime.createRenderer('text/markdown');
      renderer.addClass('dataops-output-markdown');
      void renderer.renderModel(
        new MimeModel({ data: { 'text/markdown': source }, trusted: false })
      );
      panel.addWidget(renderer);
      return panel;
    }
    const input = new Widget();
    input.addClass('dataops-output-input');
    const prompt = document.createElement('span');
    prompt.className = 'dataops-output-prompt';
    const step = stepName(cell);
    if (cell.cell_type === 'code') {
      const count = (cell as nbformat.ICodeCell).execution_count;
      prompt.textContent = `[${count ?? ' '}]:`;
    }
    const code = document.createElement('pre');
    code.className = 'dataops-output-source';
    code.textContent = source;
    input.node.append(prompt, code);
    if (step !== null) {
      panel.node.dataset.step = step;
      const label = document.createElement('span');
      label.className = 'dataops-output-step';
      label.textContent = this._trans.__('step %1', step).trim();
      input.node.append(label);
    }
    panel.addWidget(input);
    if (cell.cell_type === 'code') {
      const outputs = (cell as nbformat.ICodeCell).outputs ?? [];
      if (outputs.length > 0) {
        const model = new OutputAreaModel({ values: outputs, trusted: false });
        const area = new OutputArea({ model, rendermime: this._rendermime });
        area.addClass('dataops-output-outputs');
        area.disposed.connect(() => model.dispose());
        panel.addWidget(area);
      }
    }
    return panel;
  }

  private _cells: Panel;
  private _error: string | null = null;
  private _loaded = new Signal<this, void>(this);
  private _messageNode: HTMLDivElement;
  private _rendermime: IRenderMimeRegistry;
  private _trans: TranslationBundle;
}

export namespace OutputNotebook {
  export interface IOptions {
    source: INotebookSource;
    /** The application's renderers of outputs and markdown. */
    rendermime: IRenderMimeRegistry;
    /** The bundle the notebook's frame writes with (none: as written). */
    trans?: TranslationBundle;
  }
}

/** The step a cell is (`step` or `step:<name>` tag), or null. */
function stepName(cell: nbformat.ICell): string | null {
  const tags = (cell.metadata?.tags as string[] | undefined) ?? [];
  for (const tag of tags) {
    if (tag === 'step') {
      return '';
    }
    if (tag.startsWith('step:')) {
      return tag.slice('step:'.length);
    }
  }
  return null;
}
