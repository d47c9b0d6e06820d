import { ReactWidget, UseSignal } from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import { ITranslator, TranslationBundle } from '@jupyterlab/translation';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import * as React from 'react';

import { CommandIDs, goToCellArgs } from '../commands';
import { JobBrowser } from '../components/JobBrowser';
import { JobList } from '../components/JobList';
import { IDataJobsModel, IDeploymentsModel } from '../tokens';
import { translations } from '../translation';
import { Job, Run, StepError } from '../types';

/** The "Jobs" section of the Data Jobs sidebar. */
export class JobsSection extends ReactWidget {
  constructor(options: JobsSection.IOptions) {
    super();
    this._model = options.model;
    this._commands = options.commands;
    this._deployments = options.deployments ?? null;
    this._trans = translations(options.translator);
    this.addClass('dataops-jobs-section');
    this.title.label = this._trans.__('Jobs');
  }

  protected render(): JSX.Element {
    const model = this._model;
    const deployments = this._deployments;
    const onRun = (job: Job) =>
      this._commands.execute(CommandIDs.runJob, { name: job.name });
    const onRunWithArguments = (job: Job) =>
      this._commands.execute(CommandIDs.runJob, { name: job.name, ask: true });
    const onOpenLog = (run: Run) =>
      void this._commands.execute(CommandIDs.openRunLog, {
        job: run.job,
        runId: run.run_id
      });
    const onOpenOutput = (run: Run) =>
      void this._commands.execute(CommandIDs.openRunOutput, {
        job: run.job,
        runId: run.run_id
      });
    const onOpenChecks = (run: Run, step: string) =>
      void this._commands.execute(CommandIDs.openRunChecks, {
        job: run.job,
        runId: run.run_id,
        step
      });
    const onRunAgain = (run: Run) =>
      void this._commands.execute(CommandIDs.runJob, {
        name: run.job,
        arguments: run.arguments as ReadonlyPartialJSONObject
      });
    const onCancel = (run: Run) =>
      void this._commands.execute(CommandIDs.cancelRun, { runId: run.run_id });
    const onGoToCell = (job: Job, error: StepError) =>
      void this._commands.execute(
        CommandIDs.goToCell,
        goToCellArgs(job, error)
      );
    const onOpenJob = (job: Job) =>
      void this._commands.execute(CommandIDs.openJob, { name: job.name });
    const onLoadRuns = (job: Job, limit: number) =>
      model.service.listRuns({ job: job.name, limit });
    const onDeploy = (job: Job) =>
      this._commands.execute(CommandIDs.deployJob, {
        name: job.name,
        path: job.path,
        ask: true
      });
    const list = () => (
      <JobBrowser jobs={model.jobs} trans={this._trans}>
        {view => (
          <JobList
            trans={this._trans}
            jobs={view.jobs}
            filtered={view.filtered}
            invalid={model.invalid}
            runs={job => model.runs(job)}
            hasLoaded={model.hasLoaded}
            error={model.error}
            onRun={onRun}
            onCancel={onCancel}
            onGoToCell={onGoToCell}
            onRunWithArguments={onRunWithArguments}
            onOpenLog={onOpenLog}
            onOpenOutput={onOpenOutput}
            onOpenChecks={onOpenChecks}
            onLoadRuns={onLoadRuns}
            onOpenJob={onOpenJob}
            onRunAgain={onRunAgain}
            deploy={
              deployments?.configured
                ? {
                    deployed: job => deployments.job(job),
                    isDeploying: job => deployments.isDeploying(job),
                    onDeploy
                  }
                : undefined
            }
          >
            {view.more}
          </JobList>
        )}
      </JobBrowser>
    );
    return (
      <UseSignal signal={model.changed}>
        {() =>
          deployments ? (
            <UseSignal signal={deployments.changed}>{list}</UseSignal>
          ) : (
            list()
          )
        }
      </UseSignal>
    );
  }

  private _commands: CommandRegistry;
  private _deployments: IDeploymentsModel | null;
  private _model: IDataJobsModel;
  private _trans: TranslationBundle;
}

export namespace JobsSection {
  export interface IOptions {
    model: IDataJobsModel;
    commands: CommandRegistry;
    /** Jobs on the control service: adds Deploy buttons and versions. */
    deployments?: IDeploymentsModel;
    /** Translates the section's strings (none: as written). */
    translator?: ITranslator | null;
  }
}
