import {
  Dialog,
  MainAreaWidget,
  Notification,
  showDialog,
  showErrorMessage
} from '@jupyterlab/apputils';
import {
  checkIcon,
  deleteIcon,
  editIcon,
  fileUploadIcon,
  historyIcon,
  listIcon,
  notebookIcon,
  runIcon,
  stopIcon
} from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import { DisposableSet, IDisposable } from '@lumino/disposable';

import {
  IMainArea,
  confirmAction,
  hasJobName,
  isConflict,
  jobArgs,
  openChecks,
  openLog,
  openOutput,
  orErrorDialog,
  saveBeforeRun,
  shortId,
  startWithArguments
} from './commandHelpers';
import { CommandIDs } from './commandIds';
import { JobSettingsForm, parseProperties } from './dialogs/JobSettingsForm';
import { ReasonForm } from './dialogs/ReasonForm';
import { VersionPicker } from './dialogs/VersionPicker';
import { describeError } from './pollingModel';
import { IDeploymentsModel } from './tokens';
import { Arguments, Deployment } from './types';
import { CheckReport, executionChecks } from './widgets/CheckReport';
import { LogViewer, executionLog } from './widgets/LogViewer';
import { OutputNotebook, executionNotebook } from './widgets/OutputNotebook';

/**
 * Add the commands that act on the control service: deploy, execute,
 * cancel, schedule on/off, and the log, output and check report of an
 * execution.
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
  const outputs = new Map<string, MainAreaWidget<OutputNotebook>>();
  const reports = new Map<string, MainAreaWidget<CheckReport>>();

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
      isEnabled: hasJobName,
      describedBy: jobArgs({
        path: {
          type: 'string',
          description:
            'The job folder, relative to the server root: its unsaved documents are saved first if the user says so'
        },
        reason: { type: 'string', description: 'Why this version' },
        ask: {
          type: 'boolean',
          description: 'Ask for the reason in a dialog first'
        }
      }),
      execute: async (args: ReadonlyPartialJSONObject) => {
        const name = args.name as string;
        return orErrorDialog(`Cannot deploy ${name}`, async () => {
          const path = args.path;
          if (
            typeof path === 'string' &&
            !(await saveBeforeRun(mainArea, name, path, 'deploy'))
          ) {
            return undefined;
          }
          let reason = args.reason as string | undefined;
          if (args.ask === true) {
            const result = await showDialog({
              title: `Deploy ${name}`,
              body: new ReasonForm(reason),
              focusNodeSelector: 'input',
              buttons: [
                Dialog.cancelButton(),
                Dialog.okButton({ label: 'Deploy' })
              ]
            });
            if (!result.button.accept) {
              return undefined;
            }
            reason = result.value || undefined;
          }
          let deployment: Deployment;
          try {
            deployment = await model.deploy(name, reason);
          } catch (error) {
            if (!isConflict(error)) {
              throw error;
            }
            const anyway = await confirmAction({
              title: `Deploy ${name} anyway?`,
              body: `${error.message}. Deploy it anyway as a new version?`,
              label: 'Deploy anyway'
            });
            if (!anyway) {
              return undefined;
            }
            deployment = await model.deploy(name, reason, true);
          }
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
      isEnabled: hasJobName,
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
          const form = async () => {
            const versions = await model.service.listDeployments(name);
            const active = versions.find(version => version.active);
            return {
              title: `Execute ${name}${active ? ` v${active.version}` : ''}`,
              parameters: active?.parameters
            };
          };
          return startWithArguments(args, 'Execute', form, chosen =>
            model.execute(name, chosen)
          );
        });
      }
    })
  );

  disposables.add(
    commands.addCommand(CommandIDs.deleteDeployedJob, {
      label: args =>
        args.name
          ? `Delete ${args.name} from the Control Service…`
          : 'Delete from the Control Service…',
      caption:
        'Delete a job from the control service, with its versions, executions, properties and secrets',
      icon: deleteIcon,
      isEnabled: hasJobName,
      describedBy: jobArgs(),
      execute: (args: ReadonlyPartialJSONObject) => {
        const name = args.name as string;
        return orErrorDialog(`Cannot delete ${name}`, async () => {
          const confirmed = await confirmAction({
            title: `Delete ${name}?`,
            body:
              `${name} is deleted from the control service with all its ` +
              'deployed versions, executions, properties and secrets; its ' +
              'schedule stops. The job folder in this workspace stays.',
            label: 'Delete',
            warn: true
          });
          if (!confirmed) {
            return false;
          }
          await model.deleteJob(name);
          Notification.success(`Deleted ${name} from the control service.`, {
            autoClose: 5000
          });
          return true;
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
      isEnabled: hasJobName,
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
      isEnabled: hasJobName,
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
      isEnabled: args => hasJobName(args) && typeof args.enabled === 'boolean',
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
          label: `${job} · ${shortId(executionId)}`,
          caption: `Log of execution ${executionId} of ${job}`,
          source: executionLog(model.service, job, executionId),
          restore: {
            command: CommandIDs.openExecutionLog,
            args: { job, executionId }
          }
        });
      }
    })
  );

  disposables.add(
    commands.addCommand(CommandIDs.openExecutionOutput, {
      label: 'Open Data Job Execution Output',
      caption: 'The executed notebook of an execution, read-only',
      icon: notebookIcon,
      isEnabled: args =>
        hasExecution(args) && mainArea.rendermime !== undefined,
      describedBy: executionArgs,
      execute: (args: ReadonlyPartialJSONObject) => {
        const job = args.job as string;
        const executionId = args.executionId as string;
        return openOutput(mainArea, outputs, {
          key: `execution-output-${job}-${executionId}`,
          label: `${job} · ${shortId(executionId)} output`,
          caption: `Output notebook of execution ${executionId} of ${job} (read-only)`,
          source: executionNotebook(model.service, job, executionId),
          restore: {
            command: CommandIDs.openExecutionOutput,
            args: { job, executionId }
          }
        });
      }
    })
  );

  disposables.add(
    commands.addCommand(CommandIDs.openExecutionChecks, {
      label: 'Open Data Job Execution Contract Checks',
      caption: 'What the contracts of the tables a step wrote found',
      icon: checkIcon,
      isEnabled: args => hasExecution(args) && typeof args.step === 'string',
      describedBy: {
        args: {
          type: 'object',
          properties: {
            ...executionArgs.args.properties,
            step: { type: 'string', description: 'The name of the step' }
          },
          required: ['job', 'executionId', 'step']
        }
      },
      execute: (args: ReadonlyPartialJSONObject) => {
        const job = args.job as string;
        const executionId = args.executionId as string;
        const step = args.step as string;
        return openChecks(mainArea, reports, {
          key: `execution-checks-${job}-${executionId}-${step}`,
          label: `Contract checks — ${job} ${shortId(executionId)} · ${step}`,
          caption: `Contract checks of step ${step} of execution ${executionId} of ${job}`,
          source: executionChecks(model.service, job, executionId, step),
          restore: {
            command: CommandIDs.openExecutionChecks,
            args: { job, executionId, step }
          }
        });
      }
    })
  );

  return disposables;
}
