import {
  Dialog,
  MainAreaWidget,
  Notification,
  showDialog,
  showErrorMessage
} from '@jupyterlab/apputils';
import {
  editIcon,
  fileUploadIcon,
  historyIcon,
  listIcon,
  refreshIcon,
  runIcon,
  stopIcon
} from '@jupyterlab/ui-components';
import { PathExt } from '@jupyterlab/coreutils';
import { CommandRegistry } from '@lumino/commands';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import { DisposableSet, IDisposable } from '@lumino/disposable';
import { Widget } from '@lumino/widgets';

import { describeError } from './pollingModel';
import { ArgumentsForm } from './dialogs/ArgumentsForm';
import { JobSettingsForm, parseProperties } from './dialogs/JobSettingsForm';
import { VersionPicker } from './dialogs/VersionPicker';
import { revealCell } from './revealCell';
import { IDataJobsModel, IDeploymentsModel } from './tokens';
import { Arguments, StepError } from './types';
import {
  ILogSource,
  LogViewer,
  executionLog,
  runLog
} from './widgets/LogViewer';

/** Ids of the commands of the Data Jobs extension. */
export namespace CommandIDs {
  /** Reload jobs and runs. */
  export const refresh = 'dataops:refresh';
  /** Start a run of a job; args `{name, arguments?}`. */
  export const runJob = 'dataops:run-job';
  /** Cancel a run; args `{runId}`. */
  export const cancelRun = 'dataops:cancel-run';
  /** Deploy a job folder to the control service; args `{name, reason?}`. */
  export const deployJob = 'dataops:deploy-job';
  /** Start an execution of a deployed job; args `{name, arguments?}`. */
  export const executeJob = 'dataops:execute-job';
  /** Cancel an execution; args `{job, executionId}`. */
  export const cancelExecution = 'dataops:cancel-execution';
  /** Turn a deployed job's schedule on or off; args `{name, enabled}`. */
  export const setScheduleEnabled = 'dataops:set-schedule-enabled';
  /** Open the log of a local run in the main area; args `{job, runId}`. */
  export const openRunLog = 'dataops:open-run-log';
  /** Open the log of an execution in the main area; args `{job, executionId}`. */
  export const openExecutionLog = 'dataops:open-execution-log';
  /**
   * Open a step's notebook at its cell (e.g. the one that failed); args
   * `{job, notebook, cellId, cellIndex}`, the job being a folder of the workspace.
   */
  export const goToCell = 'dataops:go-to-cell';
  /**
   * Make a deployed version of a job the one that runs (roll back, or
   * forward); args `{name, version?}`: without a version, a dialog asks.
   */
  export const activateVersion = 'dataops:activate-version';
  /** Edit the properties and secrets of a deployed job in a dialog; args `{name}`. */
  export const editJobSettings = 'dataops:edit-job-settings';
}

/** The arguments of the go-to-cell command for where a step of `job` failed. */
export function goToCellArgs(
  job: { name: string },
  error: StepError
): ReadonlyPartialJSONObject {
  return {
    job: job.name,
    notebook: error.notebook,
    cellId: error.cell_id,
    cellIndex: error.cell_index
  };
}

/**
 * Add the Data Jobs commands to a registry.
 *
 * Failures of the server calls are shown in an error dialog; the commands
 * then resolve to `undefined`.
 */
export function addCommands(
  commands: CommandRegistry,
  model: IDataJobsModel,
  mainArea: IMainArea,
  deployments?: IDeploymentsModel
): IDisposable {
  const disposables = new DisposableSet();
  const logs = new Map<string, MainAreaWidget<LogViewer>>();

  disposables.add(
    commands.addCommand(CommandIDs.openRunLog, {
      label: 'Open Data Job Run Log',
      icon: listIcon,
      isEnabled: args =>
        typeof args.job === 'string' &&
        typeof args.runId === 'string' &&
        args.runId !== '',
      describedBy: {
        args: {
          type: 'object',
          properties: {
            job: { type: 'string', description: 'The name of the job' },
            runId: { type: 'string', description: 'The id of the run' }
          },
          required: ['job', 'runId']
        }
      },
      execute: (args: ReadonlyPartialJSONObject) => {
        const job = args.job as string;
        const runId = args.runId as string;
        return openLog(mainArea, logs, {
          key: `run-${runId}`,
          label: `${job} · ${runId}`,
          caption: `Log of run ${runId} of ${job}`,
          source: runLog(model.service, job, runId)
        });
      }
    })
  );

  disposables.add(
    commands.addCommand(CommandIDs.refresh, {
      label: 'Refresh Data Jobs',
      caption: 'Reload data jobs, their runs and deployments',
      icon: refreshIcon,
      execute: async () => {
        await Promise.all([model.refresh(), deployments?.refresh()]);
      }
    })
  );

  disposables.add(
    commands.addCommand(CommandIDs.runJob, {
      label: args => (args.name ? `Run Data Job ${args.name}` : 'Run Data Job'),
      caption: 'Run a data job as production would',
      icon: runIcon,
      isEnabled: args => typeof args.name === 'string' && args.name !== '',
      describedBy: {
        args: {
          type: 'object',
          properties: {
            name: { type: 'string', description: 'The name of the job' },
            arguments: {
              type: 'object',
              description: 'Arguments of the run, by name'
            },
            ask: {
              type: 'boolean',
              description: 'Ask for the arguments in a dialog first'
            }
          },
          required: ['name']
        }
      },
      execute: async (args: ReadonlyPartialJSONObject) => {
        const name = args.name as string;
        return orErrorDialog(`Cannot run ${name}`, async () => {
          const chosen = await argumentsFor(args, 'Run', async () => ({
            title: `Run ${name}`,
            parameters: model.jobs.find(job => job.name === name)?.parameters
          }));
          return chosen === null ? undefined : model.runJob(name, chosen);
        });
      }
    })
  );

  disposables.add(
    commands.addCommand(CommandIDs.goToCell, {
      label: 'Go to Data Job Step Cell',
      caption: "Open a step's notebook and select its cell",
      isEnabled: args =>
        typeof args.job === 'string' && typeof args.notebook === 'string',
      describedBy: {
        args: {
          type: 'object',
          properties: {
            job: { type: 'string', description: 'The name of the job' },
            notebook: {
              type: 'string',
              description: 'The notebook, relative to the job folder'
            },
            cellId: { type: 'string', description: 'The id of the cell' },
            cellIndex: {
              type: 'number',
              description: 'Where the cell was, if no cell has the id any more'
            }
          },
          required: ['job', 'notebook']
        }
      },
      execute: (args: ReadonlyPartialJSONObject) =>
        orErrorDialog('Cannot show the cell', async () => {
          const name = args.job as string;
          const job = model.jobs.find(candidate => candidate.name === name);
          if (!job) {
            throw new Error(
              `The job ${name} is not a job folder of this workspace.`
            );
          }
          await revealCell(commands, {
            path: PathExt.join(job.path, args.notebook as string),
            cellId: (args.cellId as string | undefined) ?? '',
            cellIndex: (args.cellIndex as number | undefined) ?? 0
          });
        })
    })
  );

  disposables.add(
    commands.addCommand(CommandIDs.cancelRun, {
      label: 'Cancel Data Job Run',
      icon: stopIcon,
      isEnabled: args => typeof args.runId === 'string' && args.runId !== '',
      describedBy: {
        args: {
          type: 'object',
          properties: {
            runId: { type: 'string', description: 'The id of the run' }
          },
          required: ['runId']
        }
      },
      execute: async (args: ReadonlyPartialJSONObject) => {
        return orErrorDialog('Cannot cancel the run', () =>
          model.cancelRun(args.runId as string)
        );
      }
    })
  );

  return disposables;
}

/**
 * Add the commands that act on the control service: deploy, execute,
 * cancel, schedule on/off and the execution log viewer.
 *
 * Failures of the server calls are shown in an error dialog; the commands
 * then resolve to `undefined`.
 */
export function addDeploymentCommands(
  commands: CommandRegistry,
  model: IDeploymentsModel,
  mainArea: IMainArea
): IDisposable {
  const disposables = new DisposableSet();
  const logs = new Map<string, MainAreaWidget<LogViewer>>();

  const jobArgs = (extra: { [name: string]: object } = {}) => ({
    args: {
      type: 'object',
      properties: {
        name: { type: 'string', description: 'The name of the job' },
        ...extra
      },
      required: ['name']
    }
  });
  const executionArgs = {
    args: {
      type: 'object',
      properties: {
        job: { type: 'string', description: 'The name of the job' },
        executionId: { type: 'string', description: 'The id of the execution' }
      },
      required: ['job', 'executionId']
    }
  };
  const hasName = (args: ReadonlyPartialJSONObject) =>
    typeof args.name === 'string' && args.name !== '';
  const hasExecution = (args: ReadonlyPartialJSONObject) =>
    typeof args.job === 'string' &&
    args.job !== '' &&
    typeof args.executionId === 'string' &&
    args.executionId !== '';

  disposables.add(
    commands.addCommand(CommandIDs.deployJob, {
      label: args =>
        args.name ? `Deploy Data Job ${args.name}` : 'Deploy Data Job',
      caption:
        'Deploy a job folder to the control service and make it the active version',
      icon: fileUploadIcon,
      isEnabled: hasName,
      describedBy: jobArgs({
        reason: { type: 'string', description: 'Why this version' }
      }),
      execute: async (args: ReadonlyPartialJSONObject) => {
        const name = args.name as string;
        return orErrorDialog(`Cannot deploy ${name}`, async () => {
          const deployment = await model.deploy(
            name,
            args.reason as string | undefined
          );
          Notification.success(
            `Deployed ${name} v${deployment.version} to the control service.`,
            { autoClose: 5000 }
          );
          return deployment;
        });
      }
    })
  );

  disposables.add(
    commands.addCommand(CommandIDs.executeJob, {
      label: args =>
        args.name ? `Execute Data Job ${args.name}` : 'Execute Data Job',
      caption: 'Run the deployed version of a job now on the control service',
      icon: runIcon,
      isEnabled: hasName,
      describedBy: jobArgs({
        arguments: {
          type: 'object',
          description: 'Arguments of the execution, by name'
        },
        ask: {
          type: 'boolean',
          description: 'Ask for the arguments in a dialog first'
        }
      }),
      execute: async (args: ReadonlyPartialJSONObject) => {
        const name = args.name as string;
        return orErrorDialog(`Cannot execute ${name}`, async () => {
          const chosen = await argumentsFor(args, 'Execute', async () => {
            const versions = await model.service.listDeployments(name);
            const active = versions.find(version => version.active);
            return {
              title: `Execute ${name}${active ? ` v${active.version}` : ''}`,
              parameters: active?.parameters
            };
          });
          return chosen === null ? undefined : model.execute(name, chosen);
        });
      }
    })
  );

  disposables.add(
    commands.addCommand(CommandIDs.cancelExecution, {
      label: 'Cancel Data Job Execution',
      icon: stopIcon,
      isEnabled: hasExecution,
      describedBy: executionArgs,
      execute: async (args: ReadonlyPartialJSONObject) => {
        return orErrorDialog('Cannot cancel the execution', () =>
          model.cancelExecution(args.job as string, args.executionId as string)
        );
      }
    })
  );

  disposables.add(
    commands.addCommand(CommandIDs.activateVersion, {
      label: args =>
        args.name
          ? `Change Deployed Version of ${args.name}…`
          : 'Change Deployed Version…',
      caption: 'Roll back to an earlier deployed version, or forward again',
      icon: historyIcon,
      isEnabled: hasName,
      describedBy: jobArgs({
        version: { type: 'number', description: 'The version; asks if absent' }
      }),
      execute: (args: ReadonlyPartialJSONObject) => {
        const name = args.name as string;
        return orErrorDialog(
          `Cannot change the version of ${name}`,
          async () => {
            const version =
              (args.version as number | undefined) ?? (await pickVersion(name));
            if (version === null) {
              return undefined;
            }
            const job = await model.activate(name, version);
            Notification.success(`${name} now runs v${version}.`, {
              autoClose: 5000
            });
            return job;
          }
        );
      }
    })
  );

  disposables.add(
    commands.addCommand(CommandIDs.editJobSettings, {
      label: args =>
        args.name
          ? `Properties and Secrets of ${args.name}…`
          : 'Properties and Secrets…',
      caption: 'Edit the properties and secrets a deployed job reads',
      icon: editIcon,
      isEnabled: hasName,
      describedBy: jobArgs(),
      execute: (args: ReadonlyPartialJSONObject) => {
        const name = args.name as string;
        return orErrorDialog(`Cannot change the settings of ${name}`, () =>
          editSettings(name)
        );
      }
    })
  );

  /**
   * The settings dialog of a job, again with what the user typed while the
   * properties are not a JSON object; true once something was saved.
   */
  const editSettings = async (name: string): Promise<boolean> => {
    const service = model.service;
    const [properties, secrets] = await Promise.all([
      service.getProperties(name),
      service.listSecrets(name)
    ]);
    const original = JSON.stringify(properties, null, 2);
    let text = original;
    for (;;) {
      const result = await showDialog({
        title: `Properties and secrets of ${name}`,
        body: new JobSettingsForm({
          properties: text,
          secrets,
          deleteSecret: async secret => {
            await service.deleteSecret(name, secret);
            secrets.splice(secrets.indexOf(secret), 1);
          }
        }),
        buttons: [Dialog.cancelButton(), Dialog.okButton({ label: 'Save' })]
      });
      if (!result.button.accept || result.value === null) {
        return false;
      }
      text = result.value.properties;
      let parsed: Arguments;
      try {
        parsed = parseProperties(text);
      } catch (error) {
        await showErrorMessage('Properties not saved', describeError(error));
        continue;
      }
      if (text !== original) {
        await service.setProperties(name, parsed);
      }
      const secret = result.value.secret;
      if (secret) {
        await service.setSecret(name, secret.name, secret.value);
      }
      Notification.success(`Saved the settings of ${name}.`, {
        autoClose: 5000
      });
      return true;
    }
  };

  /** Ask which deployed version of a job should run; null if cancelled. */
  const pickVersion = async (name: string): Promise<number | null> => {
    const deployments = await model.service.listDeployments(name);
    if (deployments.length === 0) {
      throw new Error(`${name} has no deployed version yet.`);
    }
    const result = await showDialog({
      title: `Versions of ${name}`,
      body: new VersionPicker(deployments),
      buttons: [Dialog.cancelButton(), Dialog.okButton({ label: 'Activate' })]
    });
    return result.button.accept ? result.value : null;
  };

  disposables.add(
    commands.addCommand(CommandIDs.setScheduleEnabled, {
      label: args =>
        args.enabled === false
          ? 'Pause Data Job Schedule'
          : 'Turn On Data Job Schedule',
      isEnabled: args => hasName(args) && typeof args.enabled === 'boolean',
      describedBy: jobArgs({
        enabled: { type: 'boolean', description: 'On (true) or off (false)' }
      }),
      execute: async (args: ReadonlyPartialJSONObject) => {
        const name = args.name as string;
        const enabled = args.enabled as boolean;
        return orErrorDialog(
          `Cannot turn the schedule of ${name} ${enabled ? 'on' : 'off'}`,
          () => model.setEnabled(name, enabled)
        );
      }
    })
  );

  disposables.add(
    commands.addCommand(CommandIDs.openExecutionLog, {
      label: 'Open Data Job Execution Log',
      icon: listIcon,
      isEnabled: hasExecution,
      describedBy: executionArgs,
      execute: (args: ReadonlyPartialJSONObject) => {
        const job = args.job as string;
        const executionId = args.executionId as string;
        return openLog(mainArea, logs, {
          key: `execution-${job}-${executionId}`,
          label: `${job} · ${executionId}`,
          caption: `Log of execution ${executionId} of ${job}`,
          source: executionLog(model.service, job, executionId)
        });
      }
    })
  );

  return disposables;
}

/**
 * Run a command's action; if it fails, show why in an error dialog titled
 * `title` and resolve to `undefined`.
 */
async function orErrorDialog<T>(
  title: string,
  action: () => Promise<T>
): Promise<T | undefined> {
  try {
    return await action();
  } catch (error) {
    await showErrorMessage(title, describeError(error));
    return undefined;
  }
}

/**
 * The arguments a run or an execution starts with: the command's
 * `arguments`, or, when its `ask` is true, what the user enters in a form
 * that starts from the job's parameter defaults (null if cancelled).
 */
async function argumentsFor(
  args: ReadonlyPartialJSONObject,
  action: string,
  form: () => Promise<{ title: string; parameters: Arguments | undefined }>
): Promise<Arguments | undefined | null> {
  if (args.ask !== true) {
    return args.arguments as Arguments | undefined;
  }
  const { title, parameters } = await form();
  const result = await showDialog({
    title,
    body: new ArgumentsForm(parameters ?? {}),
    buttons: [Dialog.cancelButton(), Dialog.okButton({ label: action })]
  });
  return result.button.accept ? result.value : null;
}

/** Where the commands open their widgets. */
export interface IMainArea {
  /** Add a widget to the main area. */
  open: (widget: Widget) => void;
  /** Bring a widget of the main area to the front. */
  activate: (widget: Widget) => void;
}

/**
 * Show a log in the main area: a new panel the first time, the same panel
 * (brought to the front) while it is open.
 */
function openLog(
  mainArea: IMainArea,
  panels: Map<string, MainAreaWidget<LogViewer>>,
  log: { key: string; label: string; caption: string; source: ILogSource }
): MainAreaWidget<LogViewer> {
  let widget = panels.get(log.key);
  if (!widget || widget.isDisposed) {
    widget = new MainAreaWidget({
      content: new LogViewer({ source: log.source })
    });
    widget.id = `dataops-log-${encodeURIComponent(log.key).replace(/%/g, '_')}`;
    widget.title.label = log.label;
    widget.title.caption = log.caption;
    widget.title.icon = listIcon;
    widget.title.closable = true;
    widget.addClass('dataops-log-panel');
    panels.set(log.key, widget);
    const key = log.key;
    widget.disposed.connect(() => panels.delete(key));
    mainArea.open(widget);
  }
  mainArea.activate(widget);
  return widget;
}
