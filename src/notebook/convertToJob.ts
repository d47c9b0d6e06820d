import { Notification } from '@jupyterlab/apputils';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import { IDisposable } from '@lumino/disposable';

import { orErrorDialog } from '../commandHelpers';
import { CommandIDs } from '../commandIds';
import { dataJobsIcon } from '../components/icons';
import {
  NewJobForm,
  askForNewJob,
  suggestJobName
} from '../dialogs/NewJobForm';
import { IDataJobsModel } from '../tokens';
import { Job } from '../types';
import { PARAMETERS_TAG, isStepTag, jobOfNotebook, withStep } from './jobCells';
import { translations } from '../translation';

/** The parts of a notebook cell's model that its tags need. */
export interface ITaggableCell {
  readonly type: string;
  getMetadata(key: string): unknown;
  setMetadata(key: string, value: unknown): void;
  deleteMetadata(key: string): void;
}

function tagsOf(cell: ITaggableCell): string[] {
  const tags = cell.getMetadata('tags');
  return Array.isArray(tags) ? tags.filter(tag => typeof tag === 'string') : [];
}

/** Whether any code cell is tagged as a step. */
export function hasStepCells(cells: Iterable<ITaggableCell>): boolean {
  for (const cell of cells) {
    if (cell.type === 'code' && tagsOf(cell).some(isStepTag)) {
      return true;
    }
  }
  return false;
}

/**
 * Tag every code cell but the parameters cell `step`; resolves to a
 * function that puts the tags back as they were.
 */
export function markEveryCodeCell(cells: Iterable<ITaggableCell>): () => void {
  const before: [ITaggableCell, unknown][] = [];
  for (const cell of cells) {
    const tags = tagsOf(cell);
    if (cell.type !== 'code' || tags.includes(PARAMETERS_TAG)) {
      continue;
    }
    before.push([cell, cell.getMetadata('tags')]);
    cell.setMetadata('tags', withStep(tags, ''));
  }
  return () => {
    for (const [cell, tags] of before) {
      if (tags === undefined) {
        cell.deleteMetadata('tags');
      } else {
        cell.setMetadata('tags', tags);
      }
    }
  };
}

/**
 * Add the command that makes a notebook that belongs to no job a job: a
 * dialog asks the name, team and schedule (and offers to mark every code
 * cell as a step when none is), then the server writes a job.toml beside it.
 */
export function addConvertToJobCommand(
  commands: CommandRegistry,
  options: {
    model: IDataJobsModel;
    tracker: INotebookTracker;
    translator?: ITranslator;
  }
): IDisposable {
  const { model, tracker } = options;
  const translator = options.translator ?? nullTranslator;
  const trans = translations(translator);
  const panelOf = (args: ReadonlyPartialJSONObject): NotebookPanel | null =>
    typeof args.path === 'string'
      ? (tracker.find(panel => panel.context.path === args.path) ?? null)
      : tracker.currentWidget;
  const convertible = (panel: NotebookPanel | null): panel is NotebookPanel =>
    panel !== null &&
    model.hasLoaded &&
    jobOfNotebook(model.jobs, panel.context.path) === undefined;

  return commands.addCommand(CommandIDs.convertToJob, {
    label: trans.__('Convert to Job…'),
    caption: trans.__(
      'Make this notebook a data job: a job.toml beside it lists it'
    ),
    icon: args => (args.isPalette ? undefined : dataJobsIcon),
    isEnabled: args => convertible(panelOf(args)),
    describedBy: {
      args: {
        type: 'object',
        properties: {
          path: {
            type: 'string',
            description: 'The notebook (default: the current one)'
          }
        }
      }
    },
    execute: (args: ReadonlyPartialJSONObject) =>
      orErrorDialog(trans.__('Cannot convert the notebook'), async () => {
        const panel = panelOf(args);
        if (!convertible(panel)) {
          return undefined;
        }
        const context = panel.context;
        const cells = () => panel.content.model?.cells ?? [];
        const offerSteps = !hasStepCells(cells());
        const job = await askForNewJob<Job>(
          {
            title: trans.__('Convert to Data Job'),
            label: trans.__('Convert'),
            values: { name: suggestJobName(context.path) },
            form: (values, error) =>
              new NewJobForm({
                values,
                error,
                translator,
                notebook: context.path,
                offerSteps,
                preview: (cron, timezone) =>
                  model.service.previewSchedule(cron, timezone)
              })
          },
          async values => {
            const undo =
              offerSteps && values.markSteps
                ? markEveryCodeCell(cells())
                : null;
            // The server reads the notebook as saved.
            if (undo || context.model.dirty) {
              await context.save();
            }
            try {
              return await model.service.createJob({
                notebook: context.path,
                name: values.name,
                team: values.team,
                description: values.description,
                schedule: values.schedule,
                timezone: values.timezone
              });
            } catch (error) {
              if (undo) {
                undo();
                await context.save();
              }
              throw error;
            }
          }
        );
        if (!job) {
          return undefined;
        }
        await model.refresh();
        Notification.success(
          trans.__('%1 is now the data job %2.', context.path, job.name),
          { autoClose: 5000 }
        );
        return job;
      })
  });
}
