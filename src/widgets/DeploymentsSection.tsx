import { ReactWidget, UseSignal } from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import { ITranslator, TranslationBundle } from '@jupyterlab/translation';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import * as React from 'react';

import { CommandIDs, goToCellArgs } from '../commands';
import { DeploymentList } from '../components/DeploymentList';
import { IDeploymentsModel } from '../tokens';
import { translations } from '../translation';
import { ControlJob, Execution, StepError } from '../types';

/** The "Deployments" section of the Data Jobs sidebar. */
export class DeploymentsSection extends ReactWidget {
  constructor(options: DeploymentsSection.IOptions) {
    super();
    this._model = options.model;
    this._commands = options.commands;
    this._trans = translations(options.translator);
    this.addClass('dataops-deployments-section');
    this.title.label = this._trans.__('Deployments');
  }

  protected render(): JSX.Element {
    const model = this._model;
    const commands = this._commands;
    const onExecute = (job: ControlJob) =>
      commands.execute(CommandIDs.executeJob, { name: job.name });
    const onExecuteWithArguments = (job: ControlJob) =>
      commands.execute(CommandIDs.executeJob, { name: job.name, ask: true });
    const onSetEnabled = (job: ControlJob, enabled: boolean) =>
      commands.execute(CommandIDs.setScheduleEnabled, {
        name: job.name,
        enabled
      });
    const onCancel = (execution: Execution) =>
      void commands.execute(CommandIDs.cancelExecution, {
        job: execution.job,
        executionId: execution.id
      });
    const onOpenLog = (execution: Execution) =>
      void commands.execute(CommandIDs.openExecutionLog, {
        job: execution.job,
        executionId: execution.id
      });
    const onOpenOutput = (execution: Execution) =>
      void commands.execute(CommandIDs.openExecutionOutput, {
        job: execution.job,
        executionId: execution.id
      });
    const onOpenChecks = (execution: Execution, step: string) =>
      void commands.execute(CommandIDs.openExecutionChecks, {
        job: execution.job,
        executionId: execution.id,
        step
      });
    const onExecuteAgain = (execution: Execution) =>
      void commands.execute(CommandIDs.executeJob, {
        name: execution.job,
        arguments: execution.arguments as ReadonlyPartialJSONObject
      });
    const onEditSettings = (job: ControlJob) =>
      void commands.execute(CommandIDs.editJobSettings, { name: job.name });
    const onLoadExecutions = async (job: ControlJob, limit: number) =>
      (await model.service.listExecutions(job.name, { limit })).executions;
    const onDelete = (job: ControlJob) =>
      void commands.execute(CommandIDs.deleteDeployedJob, { name: job.name });
    const onPickVersion = (job: ControlJob) =>
      void commands.execute(CommandIDs.activateVersion, { name: job.name });
    const onGoToCell = (job: ControlJob, error: StepError) =>
      void commands.execute(CommandIDs.goToCell, goToCellArgs(job, error));
    return (
      <UseSignal signal={model.changed}>
        {() => (
          <DeploymentList
            trans={this._trans}
            configured={model.configured}
            status={model.status}
            jobs={model.jobs}
            executions={job => model.executions(job)}
            hasLoaded={model.hasLoaded}
            error={model.error}
            onExecute={onExecute}
            onExecuteWithArguments={onExecuteWithArguments}
            onSetEnabled={onSetEnabled}
            onCancel={onCancel}
            onOpenLog={onOpenLog}
            onOpenOutput={onOpenOutput}
            onOpenChecks={onOpenChecks}
            onGoToCell={onGoToCell}
            onPickVersion={onPickVersion}
            onEditSettings={onEditSettings}
            onDelete={onDelete}
            onLoadExecutions={onLoadExecutions}
            onExecuteAgain={onExecuteAgain}
          />
        )}
      </UseSignal>
    );
  }

  private _commands: CommandRegistry;
  private _model: IDeploymentsModel;
  private _trans: TranslationBundle;
}

export namespace DeploymentsSection {
  export interface IOptions {
    model: IDeploymentsModel;
    commands: CommandRegistry;
    /** Translates the section's strings (none: as written). */
    translator?: ITranslator | null;
  }
}
