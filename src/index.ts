import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';

import { CommandIDs, IMainArea, addCommands } from './commands';
import { addDeploymentCommands } from './deploymentCommands';
import { DeploymentsModel } from './deploymentsModel';
import { DataJobsModel } from './model';
import { IDataJobsModel, IDeploymentsModel } from './tokens';
import { DataJobsPanel } from './widgets/DataJobsPanel';

export { IDataJobsModel, IDeploymentsModel } from './tokens';
export * from './types';

/** The jobs on the control service and their executions. */
const deploymentsPlugin: JupyterFrontEndPlugin<IDeploymentsModel> = {
  id: 'dataops-jupyter:deployments',
  description:
    'Deployments model: jobs on the control service and their executions.',
  autoStart: true,
  provides: IDeploymentsModel,
  optional: [IRenderMimeRegistry],
  activate: (
    app: JupyterFrontEnd,
    rendermime: IRenderMimeRegistry | null
  ): IDeploymentsModel => {
    const deployments = new DeploymentsModel();
    addDeploymentCommands(app.commands, deployments, mainArea(app, rendermime));
    return deployments;
  }
};

/** The Data Jobs sidebar, its commands and the shared jobs model. */
const plugin: JupyterFrontEndPlugin<IDataJobsModel> = {
  id: 'dataops-jupyter:plugin',
  description:
    'Data Jobs sidebar: run data jobs, deploy them and follow their runs and executions.',
  autoStart: true,
  optional: [
    ICommandPalette,
    ILayoutRestorer,
    IDeploymentsModel,
    IRenderMimeRegistry
  ],
  provides: IDataJobsModel,
  activate: (
    app: JupyterFrontEnd,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    deployments: IDeploymentsModel | null,
    rendermime: IRenderMimeRegistry | null
  ): IDataJobsModel => {
    const model = new DataJobsModel();
    addCommands(
      app.commands,
      model,
      mainArea(app, rendermime),
      deployments ?? undefined
    );

    const panel = new DataJobsPanel({
      model,
      commands: app.commands,
      deployments: deployments ?? undefined
    });
    app.shell.add(panel, 'left', { rank: 600 });
    restorer?.add(panel, panel.id);

    palette?.addItem({ command: CommandIDs.refresh, category: 'Data Jobs' });
    return model;
  }
};

/** The main area of the application, where commands open logs and outputs. */
function mainArea(
  app: JupyterFrontEnd,
  rendermime: IRenderMimeRegistry | null
): IMainArea {
  return {
    open: widget => app.shell.add(widget, 'main'),
    activate: widget => app.shell.activateById(widget.id),
    rendermime: rendermime ?? undefined
  };
}

export default [deploymentsPlugin, plugin];
