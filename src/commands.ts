import { PathExt } from '@jupyterlab/coreutils';
import { MainAreaWidget } from '@jupyterlab/apputils';
import {
  checkIcon,
  listIcon,
  notebookIcon,
  refreshIcon,
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
  openPanel,
  orErrorDialog,
  saveBeforeRun,
  shortId,
  startWithArguments
} from './commandHelpers';
import { CommandIDs } from './commandIds';
import { dataJobsIcon } from './components/icons';
import { translations } from './translation';
import { revealCell } from './revealCell';
import { JobViewModel } from './jobViewModel';
import { IDataJobsModel, IDeploymentsModel } from './tokens';
import { CheckReport, runChecks } from './widgets/CheckReport';
import { JobView } from './widgets/JobView';
import { LogViewer, runLog } from './widgets/LogViewer';
import { OutputNotebook, runNotebook } from './widgets/OutputNotebook';

export { IMainArea } from './commandHelpers';
export { CommandIDs, goToCellArgs } from './commandIds';

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
  const trans = mainArea.trans ?? translations();
  const logs = new Map<string, MainAreaWidget<LogViewer>>();
  const outputs = new Map<string, MainAreaWidget<OutputNotebook>>();
  const reports = new Map<string, MainAreaWidget<CheckReport>>();
  const jobViews = new Map<string, MainAreaWidget<JobView>>();
  const runArgs = {
    args: {
      type: 'object',
      properties: {
        job: { type: 'string', description: 'The name of the job' },
        runId: { type: 'string', description: 'The id of the run' }
      },
      required: ['job', 'runId']
    }
  };
  const hasRun = (args: ReadonlyPartialJSONObject) =>
    typeof args.job === 'string' &&
    typeof args.runId === 'string' &&
    args.runId !== '';

  disposables.add(
    commands.addCommand(CommandIDs.openRunLog, {
      label: trans.__('Open Data Job Run Log'),
      icon: listIcon,
      isEnabled: hasRun,
      describedBy: runArgs,
      execute: (args: ReadonlyPartialJSONObject) => {
        const job = args.job as string;
        const runId = args.runId as string;
        return openLog(mainArea, logs, {
          key: `run-${runId}`,
          label: `${job} · ${shortId(runId)}`,
          caption: trans.__('Log of run %1 of %2', runId, job),
          source: runLog(model.service, job, runId, trans),
          restore: { command: CommandIDs.openRunLog, args: { job, runId } }
        });
      }
    })
  );

  disposables.add(
    commands.addCommand(CommandIDs.openRunOutput, {
      label: trans.__('Open Data Job Run Output'),
      caption: trans.__('The executed notebook of a run, read-only'),
      icon: notebookIcon,
      isEnabled: args => hasRun(args) && mainArea.rendermime !== undefined,
      describedBy: runArgs,
      execute: (args: ReadonlyPartialJSONObject) => {
        const job = args.job as string;
        const runId = args.runId as string;
        return openOutput(mainArea, outputs, {
          key: `run-output-${runId}`,
          label: trans.__('%1 · %2 output', job, shortId(runId)),
          caption: trans.__(
            'Output notebook of run %1 of %2 (read-only)',
            runId,
            job
          ),
          source: runNotebook(model.service, job, runId, trans),
          restore: { command: CommandIDs.openRunOutput, args: { job, runId } }
        });
      }
    })
  );

  disposables.add(
    commands.addCommand(CommandIDs.openRunChecks, {
      label: trans.__('Open Data Job Run Contract Checks'),
      caption: trans.__('What the contracts of the tables a step wrote found'),
      icon: checkIcon,
      isEnabled: args => hasRun(args) && typeof args.step === 'string',
      describedBy: {
        args: {
          type: 'object',
          properties: {
            ...runArgs.args.properties,
            step: { type: 'string', description: 'The name of the step' }
          },
          required: ['job', 'runId', 'step']
        }
      },
      execute: (args: ReadonlyPartialJSONObject) => {
        const job = args.job as string;
        const runId = args.runId as string;
        const step = args.step as string;
        return openChecks(mainArea, reports, {
          key: `run-checks-${runId}-${step}`,
          label: trans.__(
            'Contract checks — %1 %2 · %3',
            job,
            shortId(runId),
            step
          ),
          caption: trans.__(
            'Contract checks of step %1 of run %2 of %3',
            step,
            runId,
            job
          ),
          source: runChecks(model.service, job, runId, step, trans),
          restore: {
            command: CommandIDs.openRunChecks,
            args: { job, runId, step }
          }
        });
      }
    })
  );

  disposables.add(
    commands.addCommand(CommandIDs.openJob, {
      label: args =>
        args.name
          ? trans.__('Open Data Job %1', args.name as string)
          : trans.__('Open Data Job'),
      caption: trans.__(
        "A job's steps, its runs and executions, and their charts"
      ),
      icon: dataJobsIcon,
      isEnabled: hasJobName,
      describedBy: jobArgs(),
      execute: (args: ReadonlyPartialJSONObject) => {
        const name = args.name as string;
        return openPanel(mainArea, jobViews, {
          key: `job-${name}`,
          label: name,
          caption: trans.__('Data job %1: steps, runs and executions', name),
          icon: dataJobsIcon,
          className: 'dataops-job-view-panel',
          create: () =>
            new JobView({
              model: new JobViewModel(name, { service: model.service, trans }),
              commands,
              rendermime: mainArea.rendermime,
              trans
            }),
          restore: { command: CommandIDs.openJob, args: { name } }
        });
      }
    })
  );

  disposables.add(
    commands.addCommand(CommandIDs.refresh, {
      label: trans.__('Refresh Data Jobs'),
      caption: trans.__('Reload data jobs, their runs and deployments'),
      icon: refreshIcon,
      execute: async () => {
        await Promise.all([model.refresh(), deployments?.refresh()]);
      }
    })
  );

  disposables.add(
    commands.addCommand(CommandIDs.runJob, {
      label: args =>
        args.name
          ? trans.__('Run Data Job %1', args.name as string)
          : trans.__('Run Data Job'),
      caption: trans.__('Run a data job as production would'),
      icon: runIcon,
      isEnabled: hasJobName,
      describedBy: jobArgs({
        arguments: {
          type: 'object',
          description: 'Arguments of the run, by name'
        },
        ask: {
          type: 'boolean',
          description: 'Ask for the arguments in a dialog first'
        }
      }),
      execute: async (args: ReadonlyPartialJSONObject) => {
        const name = args.name as string;
        return orErrorDialog(trans.__('Cannot run %1', name), async () => {
          const job = model.jobs.find(candidate => candidate.name === name);
          if (job && !(await saveBeforeRun(mainArea, name, job.path))) {
            return undefined;
          }
          const form = async () => ({
            title: trans.__('Run %1', name),
            parameters: model.jobs.find(job => job.name === name)?.parameters
          });
          return startWithArguments(
            args,
            trans.__('Run'),
            form,
            async chosen => {
              try {
                return await model.runJob(name, chosen);
              } catch (error) {
                if (!isConflict(error)) {
                  throw error;
                }
                const again = await confirmAction({
                  title: trans.__('%1 is already running', name),
                  body: trans.__(
                    '%1. Start another run of %2 now?',
                    error.message,
                    name
                  ),
                  label: trans.__('Start another run')
                });
                return again ? model.runJob(name, chosen, true) : undefined;
              }
            },
            trans
          );
        });
      }
    })
  );

  disposables.add(
    commands.addCommand(CommandIDs.goToCell, {
      label: trans.__('Go to Data Job Step Cell'),
      caption: trans.__("Open a step's notebook and select its cell"),
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
        orErrorDialog(trans.__('Cannot show the cell'), async () => {
          const name = args.job as string;
          const job = model.jobs.find(candidate => candidate.name === name);
          if (!job) {
            throw new Error(
              trans.__(
                'The job %1 is not a job folder of this workspace.',
                name
              )
            );
          }
          await revealCell(
            commands,
            {
              path: PathExt.join(job.path, args.notebook as string),
              cellId: (args.cellId as string | undefined) ?? '',
              cellIndex: (args.cellIndex as number | undefined) ?? 0
            },
            trans
          );
        })
    })
  );

  disposables.add(
    commands.addCommand(CommandIDs.cancelRun, {
      label: trans.__('Cancel Data Job Run'),
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
        return orErrorDialog(trans.__('Cannot cancel the run'), () =>
          model.cancelRun(args.runId as string)
        );
      }
    })
  );

  return disposables;
}
