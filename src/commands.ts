import { showErrorMessage } from '@jupyterlab/apputils';
import { refreshIcon, runIcon, stopIcon } from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import { DisposableSet, IDisposable } from '@lumino/disposable';

import { describeError } from './model';
import { IDataJobsModel } from './tokens';
import { Arguments } from './types';

/** Ids of the commands of the Data Jobs extension. */
export namespace CommandIDs {
  /** Reload jobs and runs. */
  export const refresh = 'dataops:refresh';
  /** Start a run of a job; args `{name, arguments?}`. */
  export const runJob = 'dataops:run-job';
  /** Cancel a run; args `{runId}`. */
  export const cancelRun = 'dataops:cancel-run';
}

/**
 * Add the Data Jobs commands to a registry.
 *
 * Failures of the server calls are shown in an error dialog; the commands
 * then resolve to `undefined`.
 */
export function addCommands(
  commands: CommandRegistry,
  model: IDataJobsModel
): IDisposable {
  const disposables = new DisposableSet();

  disposables.add(
    commands.addCommand(CommandIDs.refresh, {
      label: 'Refresh Data Jobs',
      caption: 'Reload data jobs and their runs',
      icon: refreshIcon,
      execute: () => model.refresh()
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
            }
          },
          required: ['name']
        }
      },
      execute: async (args: ReadonlyPartialJSONObject) => {
        const name = args.name as string;
        try {
          return await model.runJob(
            name,
            args.arguments as Arguments | undefined
          );
        } catch (error) {
          await showErrorMessage(`Cannot run ${name}`, describeError(error));
          return undefined;
        }
      }
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
        const runId = args.runId as string;
        try {
          return await model.cancelRun(runId);
        } catch (error) {
          await showErrorMessage('Cannot cancel the run', describeError(error));
          return undefined;
        }
      }
    })
  );

  return disposables;
}
