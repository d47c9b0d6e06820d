import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, WidgetTracker } from '@jupyterlab/apputils';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator } from '@jupyterlab/translation';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import { Widget } from '@lumino/widgets';

import { IOpenDocument } from './commandHelpers';
import { CommandIDs, IMainArea, addCommands } from './commands';
import { createJobPlugin } from './createJob';
import { addDeploymentCommands } from './deploymentCommands';
import { DeploymentsModel } from './deploymentsModel';
import { DataJobsModel } from './model';
import { jobToolbarPlugin } from './notebook/jobToolbar';
import { notebookPlugin } from './notebook/plugin';
import { SettingsApplier } from './settings';
import { IDataJobsModel, IDataJobsSidebar, IDeploymentsModel } from './tokens';
import { DataJobsPanel } from './widgets/DataJobsPanel';
import { DeploymentsSection } from './widgets/DeploymentsSection';
import { JobsSection } from './widgets/JobsSection';
import { setAppTranslator, translations } from './translation';

export { IDataJobsModel, IDataJobsSidebar, IDeploymentsModel } from './tokens';
export * from './types';

/** The Data Jobs sidebar, to which the other plugins add their sections. */
const sidebarPlugin: JupyterFrontEndPlugin<IDataJobsSidebar> = {
  id: 'dataops-jupyter:sidebar',
  description:
    'Data Jobs sidebar: the panel to which jobs, deployments and later sections are added.',
  autoStart: true,
  provides: IDataJobsSidebar,
  optional: [ILayoutRestorer, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    restorer: ILayoutRestorer | null,
    translator: ITranslator | null
  ): IDataJobsSidebar => {
    setAppTranslator(translator);
    const panel = new DataJobsPanel({ commands: app.commands, translator });
    app.shell.add(panel, 'left', { rank: 600 });
    restorer?.add(panel, panel.id);
    return panel;
  }
};

/** The jobs on the control service and their executions. */
const deploymentsPlugin: JupyterFrontEndPlugin<IDeploymentsModel> = {
  id: 'dataops-jupyter:deployments',
  description:
    'Deployments model: jobs on the control service and their executions.',
  autoStart: true,
  provides: IDeploymentsModel,
  optional: [
    IRenderMimeRegistry,
    ILayoutRestorer,
    IDataJobsSidebar,
    ITranslator
  ],
  activate: (
    app: JupyterFrontEnd,
    rendermime: IRenderMimeRegistry | null,
    restorer: ILayoutRestorer | null,
    sidebar: IDataJobsSidebar | null,
    translator: ITranslator | null
  ): IDeploymentsModel => {
    const deployments = new DeploymentsModel();
    addDeploymentCommands(
      app.commands,
      deployments,
      mainArea(app, rendermime, restorer, translator, [
        CommandIDs.openExecutionLog,
        CommandIDs.openExecutionOutput,
        CommandIDs.openExecutionChecks
      ])
    );
    sidebar?.addSection(
      new DeploymentsSection({
        model: deployments,
        commands: app.commands,
        translator
      }),
      { rank: 200, visibility: deployments }
    );
    return deployments;
  }
};

/** The local jobs: their model, their commands and the Jobs section. */
const plugin: JupyterFrontEndPlugin<IDataJobsModel> = {
  id: 'dataops-jupyter:plugin',
  description:
    'Data Jobs: run data jobs, deploy them and follow their runs and executions.',
  autoStart: true,
  optional: [
    ICommandPalette,
    ILayoutRestorer,
    IDeploymentsModel,
    IRenderMimeRegistry,
    IDataJobsSidebar,
    ISettingRegistry,
    ITranslator
  ],
  provides: IDataJobsModel,
  activate: (
    app: JupyterFrontEnd,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    deployments: IDeploymentsModel | null,
    rendermime: IRenderMimeRegistry | null,
    sidebar: IDataJobsSidebar | null,
    settingRegistry: ISettingRegistry | null,
    translator: ITranslator | null
  ): IDataJobsModel => {
    const trans = translations(translator);
    const model = new DataJobsModel();
    addCommands(
      app.commands,
      model,
      mainArea(app, rendermime, restorer, translator, [
        CommandIDs.openRunLog,
        CommandIDs.openRunOutput,
        CommandIDs.openRunChecks,
        CommandIDs.openJob
      ]),
      deployments ?? undefined
    );
    app.commands.addCommand(CommandIDs.openSettings, {
      label: trans.__('Data Jobs Settings…'),
      caption: trans.__(
        'The control service and the refresh interval of Data Jobs'
      ),
      execute: () =>
        app.commands.execute('settingeditor:open', { query: 'Data Jobs' })
    });
    palette?.addItem({
      command: CommandIDs.openSettings,
      category: trans.__('Data Jobs')
    });
    if (settingRegistry) {
      const applier = new SettingsApplier({
        service: model.service,
        models: deployments ? [model, deployments] : [model],
        onConnectionChanged: () => void deployments?.refresh(),
        translator: translator ?? undefined
      });
      settingRegistry
        .load(plugin.id)
        .then(settings => applier.follow(settings))
        .catch(reason =>
          console.error('dataops-jupyter: the settings did not load', reason)
        );
    }
    sidebar?.addSection(
      new JobsSection({
        model,
        commands: app.commands,
        deployments: deployments ?? undefined,
        translator
      }),
      { rank: 100, visibility: model }
    );
    palette?.addItem({
      command: CommandIDs.refresh,
      category: trans.__('Data Jobs')
    });
    return model;
  }
};

/**
 * The main area of the application, where commands open logs and outputs.
 *
 * The panels that the `restored` commands open are tracked, so that the
 * layout restorer opens them again after a reload with the same command.
 */
function mainArea(
  app: JupyterFrontEnd,
  rendermime: IRenderMimeRegistry | null,
  restorer: ILayoutRestorer | null,
  translator: ITranslator | null,
  restored: string[]
): IMainArea {
  const opened = new WeakMap<Widget, ReadonlyPartialJSONObject>();
  const trackers = new Map<string, WidgetTracker<Widget>>();
  for (const command of restored) {
    // The state database keys are `namespace:name`: neither may hold a colon.
    const tracker = new WidgetTracker<Widget>({
      namespace: command.replace(/:/g, '-')
    });
    trackers.set(command, tracker);
    void restorer?.restore(tracker, {
      command,
      args: widget => opened.get(widget) ?? {},
      name: widget =>
        Object.values(opened.get(widget) ?? {})
          .map(value => String(value).replace(/:/g, '_'))
          .join('/')
    });
  }
  return {
    open: (widget, restore) => {
      const tracker = restore && trackers.get(restore.command);
      if (!tracker) {
        app.shell.add(widget, 'main');
        return;
      }
      // Named by the tracker first, so that the saved layout holds it.
      opened.set(widget, restore.args);
      void tracker.add(widget).then(() => {
        if (!widget.isDisposed) {
          app.shell.add(widget, 'main');
          app.shell.activateById(widget.id);
        }
      });
    },
    activate: widget => app.shell.activateById(widget.id),
    rendermime: rendermime ?? undefined,
    documents: () => openDocuments(app),
    trans: translations(translator)
  };
}

/** The parts of a document widget that finding unsaved changes needs. */
interface IDocumentWidgetLike {
  context?: {
    path: string;
    model: { dirty: boolean };
    save(): Promise<void>;
  };
}

/** The documents open in the main area. */
function openDocuments(app: JupyterFrontEnd): IOpenDocument[] {
  const documents: IOpenDocument[] = [];
  for (const widget of app.shell.widgets('main')) {
    const context = (widget as IDocumentWidgetLike).context;
    if (context && typeof context.path === 'string' && context.model) {
      documents.push({
        path: context.path,
        dirty: context.model.dirty,
        save: () => context.save()
      });
    }
  }
  return documents;
}

export default [
  sidebarPlugin,
  deploymentsPlugin,
  plugin,
  createJobPlugin,
  jobToolbarPlugin,
  notebookPlugin
];
