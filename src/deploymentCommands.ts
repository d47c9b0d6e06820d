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
import { translations } from './translation';
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
  const trans = mainArea.trans ?? translations();
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
        args.name
          ? trans.__('Deploy Data Job %1', args.name as string)
          : trans.__('Deploy Data Job'),
      caption: trans.__(
        'Deploy a job folder to the control service and make it the active version'
      ),
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
        return orErrorDialog(trans.__('Cannot deploy %1', name), async () => {
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
              title: trans.__('Deploy %1', name),
              body: new ReasonForm(reason, trans),
              focusNodeSelector: 'input',
              buttons: [
                Dialog.cancelButton(),
                Dialog.okButton({ label: trans.__('Deploy') })
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
              title: trans.__('Deploy %1 anyway?', name),
              body: trans.__(
                '%1. Deploy it anyway as a new version?',
                error.message
              ),
              label: trans.__('Deploy anyway')
            });
            if (!anyway) {
              return undefined;
            }
            deployment = await model.deploy(name, reason, true);
          }
          Notification.success(
            trans.__(
              'Deployed %1 v%2 to the control service.',
              name,
              deployment.version
            ),
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
        args.name
          ? trans.__('Execute Data Job %1', args.name as string)
          : trans.__('Execute Data Job'),
      caption: trans.__(
        'Run the deployed version of a job now on the control service'
      ),
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
        return orErrorDialog(trans.__('Cannot execute %1', name), async () => {
          const form = async () => {
            const versions = await model.service.listDeployments(name);
            const active = versions.find(version => version.active);
            return {
              title: active
                ? trans.__('Execute %1 v%2', name, active.version)
                : trans.__('Execute %1', name),
              parameters: active?.parameters
            };
          };
          return startWithArguments(
            args,
            trans.__('Execute'),
            form,
            chosen => model.execute(name, chosen),
            trans
          );
        });
      }
    })
  );

  disposables.add(
    commands.addCommand(CommandIDs.deleteDeployedJob, {
      label: args =>
        args.name
          ? trans.__('Delete %1 from the Control Service…', args.name as string)
          : trans.__('Delete from the Control Service…'),
      caption: trans.__(
        'Delete a job from the control service, with its versions, executions, properties and secrets'
      ),
      icon: deleteIcon,
      isEnabled: hasJobName,
      describedBy: jobArgs(),
      execute: (args: ReadonlyPartialJSONObject) => {
        const name = args.name as string;
        return orErrorDialog(trans.__('Cannot delete %1', name), async () => {
          const confirmed = await confirmAction({
            title: trans.__('Delete %1?', name),
            body: trans.__(
              '%1 is deleted from the control service with all its deployed versions, executions, properties and secrets; its schedule stops. The job folder in this workspace stays.',
              name
            ),
            label: trans.__('Delete'),
            warn: true
          });
          if (!confirmed) {
            return false;
          }
          await model.deleteJob(name);
          Notification.success(
            trans.__('Deleted %1 from the control service.', name),
            { autoClose: 5000 }
          );
          return true;
        });
      }
    })
  );

  disposables.add(
    commands.addCommand(CommandIDs.cancelExecution, {
      label: trans.__('Cancel Data Job Execution'),
      icon: stopIcon,
      isEnabled: hasExecution,
      describedBy: executionArgs,
      execute: async (args: ReadonlyPartialJSONObject) => {
        return orErrorDialog(trans.__('Cannot cancel the execution'), () =>
          model.cancelExecution(args.job as string, args.executionId as string)
        );
      }
    })
  );

  disposables.add(
    commands.addCommand(CommandIDs.activateVersion, {
      label: args =>
        args.name
          ? trans.__('Change Deployed Version of %1…', args.name as string)
          : trans.__('Change Deployed Version…'),
      caption: trans.__(
        'Roll back to an earlier deployed version, or forward again'
      ),
      icon: historyIcon,
      isEnabled: hasJobName,
      describedBy: jobArgs({
        version: { type: 'number', description: 'The version; asks if absent' }
      }),
      execute: (args: ReadonlyPartialJSONObject) => {
        const name = args.name as string;
        return orErrorDialog(
          trans.__('Cannot change the version of %1', name),
          async () => {
            const version =
              (args.version as number | undefined) ?? (await pickVersion(name));
            if (version === null) {
              return undefined;
            }
            const job = await model.activate(name, version);
            Notification.success(trans.__('%1 now runs v%2.', name, version), {
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
          ? trans.__('Properties and Secrets of %1…', args.name as string)
          : trans.__('Properties and Secrets…'),
      caption: trans.__('Edit the properties and secrets a deployed job reads'),
      icon: editIcon,
      isEnabled: hasJobName,
      describedBy: jobArgs(),
      execute: (args: ReadonlyPartialJSONObject) => {
        const name = args.name as string;
        return orErrorDialog(
          trans.__('Cannot change the settings of %1', name),
          () => editSettings(name)
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
        title: trans.__('Properties and secrets of %1', name),
        body: new JobSettingsForm({
          properties: text,
          secrets,
          trans,
          deleteSecret: async secret => {
            await service.deleteSecret(name, secret);
            secrets.splice(secrets.indexOf(secret), 1);
          }
        }),
        buttons: [
          Dialog.cancelButton(),
          Dialog.okButton({ label: trans.__('Save') })
        ]
      });
      if (!result.button.accept || result.value === null) {
        return false;
      }
      text = result.value.properties;
      let parsed: Arguments;
      try {
        parsed = parseProperties(text, trans);
      } catch (error) {
        await showErrorMessage(
          trans.__('Properties not saved'),
          describeError(error)
        );
        continue;
      }
      if (text !== original) {
        await service.setProperties(name, parsed);
      }
      const secret = result.value.secret;
      if (secret) {
        await service.setSecret(name, secret.name, secret.value);
      }
      Notification.success(trans.__('Saved the settings of %1.', name), {
        autoClose: 5000
      });
      return true;
    }
  };

  /** Ask which deployed version of a job should run; null if cancelled. */
  const pickVersion = async (name: string): Promise<number | null> => {
    const deployments = await model.service.listDeployments(name);
    if (deployments.length === 0) {
      throw new Error(trans.__('%1 has no deployed version yet.', name));
    }
    const result = await showDialog({
      title: trans.__('Versions of %1', name),
      body: new VersionPicker(deployments, trans),
      buttons: [
        Dialog.cancelButton(),
        Dialog.okButton({ label: trans.__('Activate') })
      ]
    });
    return result.button.accept ? result.value : null;
  };

  disposables.add(
    commands.addCommand(CommandIDs.setScheduleEnabled, {
      label: args =>
        args.enabled === false
          ? trans.__('Pause Data Job Schedule')
          : trans.__('Turn On Data Job Schedule'),
      isEnabled: args => hasJobName(args) && typeof args.enabled === 'boolean',
      describedBy: jobArgs({
        enabled: { type: 'boolean', description: 'On (true) or off (false)' }
      }),
      execute: async (args: ReadonlyPartialJSONObject) => {
        const name = args.name as string;
        const enabled = args.enabled as boolean;
        return orErrorDialog(
          enabled
            ? trans.__('Cannot turn the schedule of %1 on', name)
            : trans.__('Cannot turn the schedule of %1 off', name),
          () => model.setEnabled(name, enabled)
        );
      }
    })
  );

  disposables.add(
    commands.addCommand(CommandIDs.openExecutionLog, {
      label: trans.__('Open Data Job Execution Log'),
      icon: listIcon,
      isEnabled: hasExecution,
      describedBy: executionArgs,
      execute: (args: ReadonlyPartialJSONObject) => {
        const job = args.job as string;
        const executionId = args.executionId as string;
        return openLog(mainArea, logs, {
          key: `execution-${job}-${executionId}`,
          label: `${job} · ${shortId(executionId)}`,
          caption: trans.__('Log of execution %1 of %2', executionId, job),
          source: executionLog(model.service, job, executionId, trans),
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
      label: trans.__('Open Data Job Execution Output'),
      caption: trans.__('The executed notebook of an execution, read-only'),
      icon: notebookIcon,
      isEnabled: args =>
        hasExecution(args) && mainArea.rendermime !== undefined,
      describedBy: executionArgs,
      execute: (args: ReadonlyPartialJSONObject) => {
        const job = args.job as string;
        const executionId = args.executionId as string;
        return openOutput(mainArea, outputs, {
          key: `execution-output-${job}-${executionId}`,
          label: trans.__('%1 · %2 output', job, shortId(executionId)),
          caption: trans.__(
            'Output notebook of execution %1 of %2 (read-only)',
            executionId,
            job
          ),
          source: executionNotebook(model.service, job, executionId, trans),
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
      label: trans.__('Open Data Job Execution Contract Checks'),
      caption: trans.__('What the contracts of the tables a step wrote found'),
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
          label: trans.__(
            'Contract checks — %1 %2 · %3',
            job,
            shortId(executionId),
            step
          ),
          caption: trans.__(
            'Contract checks of step %1 of execution %2 of %3',
            step,
            executionId,
            job
          ),

          source: executionChecks(model.service, job, executionId, step, trans),
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
