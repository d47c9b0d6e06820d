import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';

import { CommandIDs, addCommands } from './commands';
import { DataJobsModel } from './model';
import { IDataJobsModel } from './tokens';
import { DataJobsPanel } from './widgets/DataJobsPanel';

export { IDataJobsModel } from './tokens';
export * from './types';

/** The Data Jobs sidebar, its commands and the shared jobs model. */
const plugin: JupyterFrontEndPlugin<IDataJobsModel> = {
  id: 'dataops-jupyter:plugin',
  description: 'Data Jobs sidebar: run data jobs and follow their runs.',
  autoStart: true,
  optional: [ICommandPalette, ILayoutRestorer],
  provides: IDataJobsModel,
  activate: (
    app: JupyterFrontEnd,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null
  ): IDataJobsModel => {
    const model = new DataJobsModel();
    addCommands(app.commands, model);

    const panel = new DataJobsPanel({ model, commands: app.commands });
    app.shell.add(panel, 'left', { rank: 600 });
    restorer?.add(panel, panel.id);

    palette?.addItem({ command: CommandIDs.refresh, category: 'Data Jobs' });
    return model;
  }
};

export default plugin;
