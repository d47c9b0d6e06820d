import { TranslationBundle } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';

import { translations } from './translation';

/** The parts of a notebook cell that revealing one needs. */
interface ICellLike {
  readonly model: { readonly id: string };
}

/** The parts of JupyterLab's notebook widget that revealing a cell needs. */
interface INotebookLike {
  readonly widgets: ReadonlyArray<ICellLike>;
  activeCellIndex: number;
  mode: 'command' | 'edit';
  scrollToCell(cell: ICellLike, align?: string): Promise<void>;
}

/** The parts of a notebook panel that revealing a cell needs. */
interface INotebookPanelLike {
  readonly content: INotebookLike;
  readonly context: { readonly ready: Promise<void> };
}

/** Where a cell is: its notebook and the cell's id, or its index as a fallback. */
export interface ICellLocation {
  /** Path of the notebook, relative to the server root. */
  path: string;
  cellId: string;
  cellIndex: number;
}

/**
 * Open a notebook (or bring it to the front) and make one of its cells the
 * active cell, scrolled into view.
 *
 * The cell is found by its id; if the notebook changed and no cell has it
 * any more, by its index. Rejects if the notebook cannot be opened or has
 * neither.
 */
export async function revealCell(
  commands: CommandRegistry,
  location: ICellLocation,
  trans: TranslationBundle = translations()
): Promise<void> {
  const panel = (await commands.execute('docmanager:open', {
    path: location.path,
    factory: 'Notebook'
  })) as INotebookPanelLike | undefined;
  if (!panel?.content?.widgets) {
    throw new Error(
      trans.__('%1 could not be opened as a notebook.', location.path)
    );
  }
  await panel.context.ready;
  const notebook = panel.content;
  let index = notebook.widgets.findIndex(
    cell => cell.model.id === location.cellId
  );
  if (index < 0) {
    index = location.cellIndex;
  }
  const cell = notebook.widgets[index];
  if (!cell) {
    throw new Error(
      trans.__(
        '%1 has no cell %2 (cell %3) any more.',
        location.path,
        location.cellId,
        location.cellIndex + 1
      )
    );
  }
  notebook.mode = 'command';
  notebook.activeCellIndex = index;
  await notebook.scrollToCell(cell, 'center');
}
