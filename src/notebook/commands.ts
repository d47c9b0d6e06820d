/**
 * The notebook commands of data jobs: make cells steps (or scratch again)
 * and choose the parameters cell. Both only change cell tags, so they work
 * in any notebook.
 */
import { ICellModel } from '@jupyterlab/cells';
import { INotebookTracker, Notebook } from '@jupyterlab/notebook';
import { TranslationBundle } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';

import { CommandIDs } from '../commandIds';
import { setTags, tagsOf } from './cellTags';
import {
  PARAMETERS_TAG,
  stepTagName,
  withParameters,
  withStep
} from './jobCells';
import { stepIcon } from './icons';

/**
 * Toggle the step tag of `cells`: when all are steps they become scratch,
 * otherwise the ones that are not become (bare) steps; names are kept.
 */
export function toggleSteps(cells: ReadonlyArray<ICellModel>): void {
  const allSteps = cells.every(cell => stepTagName(tagsOf(cell)) !== null);
  for (const cell of cells) {
    const tags = tagsOf(cell);
    if (allSteps) {
      setTags(cell, withStep(tags, null));
    } else if (stepTagName(tags) === null) {
      setTags(cell, withStep(tags, ''));
    }
  }
}

/**
 * Make `cell` the parameters cell of `cells`, taking the tag from any other
 * cell; when it already is, it is no longer.
 */
export function markParameters(
  cells: Iterable<ICellModel>,
  cell: ICellModel
): void {
  const tags = tagsOf(cell);
  if (tags.includes(PARAMETERS_TAG)) {
    setTags(
      cell,
      tags.filter(tag => tag !== PARAMETERS_TAG)
    );
    return;
  }
  for (const other of cells) {
    if (other !== cell) {
      setTags(
        other,
        tagsOf(other).filter(tag => tag !== PARAMETERS_TAG)
      );
    }
  }
  setTags(cell, withParameters(tags));
}

/** The selected (or else the active) code cells of a notebook. */
function selectedCode(notebook: Notebook | undefined): ICellModel[] {
  if (!notebook) {
    return [];
  }
  return notebook.widgets
    .filter(cell => notebook.isSelectedOrActive(cell))
    .map(cell => cell.model)
    .filter(model => model.type === 'code');
}

/** Register the notebook commands of data jobs. */
export function addNotebookCommands(
  commands: CommandRegistry,
  tracker: INotebookTracker,
  trans: TranslationBundle
): void {
  const notebook = () => tracker.currentWidget?.content;
  const activeCode = () => {
    const cell = notebook()?.activeCell?.model;
    return cell?.type === 'code' ? cell : undefined;
  };
  const changed = () => {
    commands.notifyCommandChanged(CommandIDs.toggleStep);
    commands.notifyCommandChanged(CommandIDs.markParameters);
  };

  commands.addCommand(CommandIDs.toggleStep, {
    label: trans.__('Toggle job step'),
    caption: trans.__(
      'Make the selected code cells steps of the job, or scratch again'
    ),
    icon: stepIcon,
    isEnabled: () => selectedCode(notebook()).length > 0,
    isToggled: () => {
      const cells = selectedCode(notebook());
      return (
        cells.length > 0 &&
        cells.every(cell => stepTagName(tagsOf(cell)) !== null)
      );
    },
    execute: () => {
      const model = notebook()?.model;
      if (!model) {
        return;
      }
      const cells = selectedCode(notebook());
      model.sharedModel.transact(() => toggleSteps(cells));
      changed();
    }
  });

  commands.addCommand(CommandIDs.markParameters, {
    label: trans.__('Mark as parameters'),
    caption: trans.__(
      'Make the active cell the one that holds the defaults of the job arguments'
    ),
    isEnabled: () => activeCode() !== undefined,
    isToggled: () =>
      activeCode() !== undefined &&
      tagsOf(activeCode()!).includes(PARAMETERS_TAG),
    execute: () => {
      const model = notebook()?.model;
      const cell = activeCode();
      if (!model || !cell) {
        return;
      }
      model.sharedModel.transact(() => markParameters(model.cells, cell));
      changed();
    }
  });

  tracker.activeCellChanged.connect(changed);
  tracker.selectionChanged.connect(changed);
}
