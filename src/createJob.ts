import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { PathExt } from '@jupyterlab/coreutils';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { ILauncher } from '@jupyterlab/launcher';
import { IMainMenu } from '@jupyterlab/mainmenu';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import { IDisposable } from '@lumino/disposable';

import { orErrorDialog } from './commandHelpers';
import { CommandIDs } from './commandIds';
import { dataJobsIcon } from './components/icons';
import { NewJobForm, askForNewJob } from './dialogs/NewJobForm';
import { IDataJobsModel } from './tokens';
import { Job } from './types';
import { translations } from './translation';

/**
 * Add the command that creates a job folder from the template in a dialog,
 * opens its notebook and refreshes the jobs.
 */
export function addCreateJobCommand(
  commands: CommandRegistry,
  options: {
    model: IDataJobsModel;
    /** The folder the dialog starts with (the file browser's), if any. */
    currentFolder?: () => string | undefined;
    translator?: ITranslator;
  }
): IDisposable {
  const { model } = options;
  const translator = options.translator ?? nullTranslator;
  const trans = translations(translator);
  return commands.addCommand(CommandIDs.createJob, {
    label: args =>
      args.isLauncher || args.isMenu
        ? trans.__('Data Job')
        : trans.__('New Data Job…'),
    caption: trans.__(
      'Create a data job: a folder with job.toml and a notebook ready to run'
    ),
    icon: args => (args.isPalette ? undefined : dataJobsIcon),
    describedBy: {
      args: {
        type: 'object',
        properties: {
          folder: {
            type: 'string',
            description:
              'The folder the new job goes in, relative to the server root'
          }
        }
      }
    },
    execute: (args: ReadonlyPartialJSONObject) =>
      orErrorDialog(trans.__('Cannot create the job'), async () => {
        // The Launcher says where it was opened (`cwd`).
        const given = args.folder ?? args.cwd;
        const folder =
          typeof given === 'string' ? given : (options.currentFolder?.() ?? '');
        const job = await askForNewJob<Job>(
          {
            title: trans.__('New Data Job'),
            label: trans.__('Create'),
            values: { folder },
            form: (values, error) =>
              new NewJobForm({
                values,
                error,
                translator,
                preview: (cron, timezone) =>
                  model.service.previewSchedule(cron, timezone)
              })
          },
          values =>
            model.service.createJob({
              name: values.name,
              team: values.team,
              description: values.description,
              folder: values.folder,
              schedule: values.schedule,
              timezone: values.timezone
            })
        );
        if (!job) {
          return undefined;
        }
        await Promise.all([
          model.refresh(),
          commands.execute('docmanager:open', {
            path: PathExt.join(job.path, job.notebooks[0])
          })
        ]);
        return job;
      })
  });
}

/** "New Data Job": the command, a Launcher card and File › New › Data Job. */
export const createJobPlugin: JupyterFrontEndPlugin<void> = {
  id: 'dataops-jupyter:create-job',
  description:
    'Create data jobs from JupyterLab: a dialog, a Launcher card and File › New › Data Job.',
  autoStart: true,
  requires: [IDataJobsModel],
  optional: [
    ITranslator,
    ILauncher,
    IMainMenu,
    IDefaultFileBrowser,
    ICommandPalette
  ],
  activate: (
    app: JupyterFrontEnd,
    model: IDataJobsModel,
    translator: ITranslator | null,
    launcher: ILauncher | null,
    mainMenu: IMainMenu | null,
    browser: IDefaultFileBrowser | null,
    palette: ICommandPalette | null
  ): void => {
    const trans = translations(translator);
    addCreateJobCommand(app.commands, {
      model,
      translator: translator ?? undefined,
      currentFolder: browser ? () => browser.model.path : undefined
    });
    launcher?.add({
      command: CommandIDs.createJob,
      category: trans.__('Data Jobs'),
      rank: 1,
      args: { isLauncher: true }
    });
    mainMenu?.fileMenu.newMenu.addGroup(
      [{ command: CommandIDs.createJob, args: { isMenu: true } }],
      30
    );
    palette?.addItem({
      command: CommandIDs.createJob,
      category: trans.__('Data Jobs'),
      args: { isPalette: true }
    });
  }
};
