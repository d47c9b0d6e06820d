/**
 * Job steps in the notebook: the step and parameters commands (cell toolbar,
 * context menu, shortcut, palette) and the role badges on the cells of the
 * notebooks that belong to a job, with the status of each step in the run
 * the notebook's "Last run" picker shows.
 */
import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { PathExt } from '@jupyterlab/coreutils';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';

import { CommandIDs } from '../commandIds';
import { IDataJobsModel } from '../tokens';
import { StepBadges } from './StepBadges';
import { addNotebookCommands } from './commands';
import { INotebookPlace, notebookPlace } from './jobCells';
import { loadJobsForNotebooks } from './openedNotebooks';
import { openEntryLog, runSelectionOf } from './runSelection';
import { translations } from '../translation';

/** The id of the plugin, and of its settings. */
export const NOTEBOOK_PLUGIN_ID = 'dataops-jupyter:notebook';

/**
 * Where the notebook at `path` stands in its job. While the job's folder
 * does not load (e.g. a duplicate step name was saved), the place it had
 * last is kept, so the badges stay while the user fixes it.
 */
function currentPlace(
  model: IDataJobsModel,
  path: string,
  last: INotebookPlace | null
): INotebookPlace | null {
  const place = notebookPlace(model.jobs, path);
  if (place) {
    return place;
  }
  const folder = last && PathExt.normalize(last.job.path);
  const broken =
    last !== null &&
    model.invalid.some(job => PathExt.normalize(job.path) === folder);
  return broken ? last : null;
}

/** Badges on one notebook panel, kept in step with the jobs, its shown run and the settings. */
function followPanel(
  panel: NotebookPanel,
  model: IDataJobsModel,
  badges: Set<StepBadges>,
  options: {
    showScratch: () => boolean;
    badges: StepBadges.IOptions;
    commands: CommandRegistry;
  }
): void {
  const selection = runSelectionOf(panel, model);
  const shown = new StepBadges({
    ...options.badges,
    onTraceback: run => {
      if (selection.job) {
        void openEntryLog(options.commands, selection.job, run);
      }
    }
  });
  shown.showScratch = options.showScratch();
  badges.add(shown);
  const showRun = () => {
    shown.run = selection.selected;
  };
  selection.changed.connect(showRun);
  showRun();
  const place = () => {
    shown.place = currentPlace(model, panel.context.path, shown.place);
  };
  const saved = (_: unknown, state: string) => {
    // The server's steps of this notebook changed: its other notebooks renumber.
    if (state === 'completed' && shown.place) {
      void model.refresh();
    }
  };
  model.changed.connect(place);
  panel.context.pathChanged.connect(place);
  panel.context.saveState.connect(saved);
  place();
  void panel.context.ready.then(() => {
    // Jobs not loaded yet, or loaded before this notebook's job was made.
    if (!model.hasLoaded || !shown.place) {
      void loadJobsForNotebooks(model);
    }
  });
  panel.disposed.connect(() => {
    model.changed.disconnect(place);
    selection.changed.disconnect(showRun);
    badges.delete(shown);
    shown.dispose();
  });
}

/** Job steps in the notebook. */
export const notebookPlugin: JupyterFrontEndPlugin<void> = {
  id: NOTEBOOK_PLUGIN_ID,
  description:
    'Job steps in the notebook: mark steps and the parameters cell, see and rename steps on the cells.',
  autoStart: true,
  requires: [INotebookTracker, IDataJobsModel],
  optional: [ITranslator, ISettingRegistry, ICommandPalette],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    model: IDataJobsModel,
    translator: ITranslator | null,
    settingRegistry: ISettingRegistry | null,
    palette: ICommandPalette | null
  ): void => {
    const trans = translations(translator);
    addNotebookCommands(app.commands, tracker, trans);
    const category = trans.__('Data Jobs');
    for (const command of [CommandIDs.toggleStep, CommandIDs.markParameters]) {
      palette?.addItem({ command, category });
    }

    let showScratch = true;
    const badges = new Set<StepBadges>();
    const notify = () => {
      app.commands.notifyCommandChanged(CommandIDs.toggleStep);
      app.commands.notifyCommandChanged(CommandIDs.markParameters);
    };
    tracker.widgetAdded.connect((_, panel) =>
      followPanel(panel, model, badges, {
        showScratch: () => showScratch,
        badges: { notebook: panel.content, trans, onChange: notify },
        commands: app.commands
      })
    );

    if (settingRegistry) {
      void settingRegistry
        .load(NOTEBOOK_PLUGIN_ID)
        .then(settings => {
          const read = () => {
            showScratch = settings.composite.showScratchMarkers !== false;
            badges.forEach(shown => (shown.showScratch = showScratch));
          };
          read();
          settings.changed.connect(read);
        })
        .catch(reason =>
          console.error('Data Jobs: cannot load the notebook settings', reason)
        );
    }
  }
};
