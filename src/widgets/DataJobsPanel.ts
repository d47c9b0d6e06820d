import {
  SidePanel,
  ToolbarButton,
  addIcon,
  refreshIcon
} from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';

import { CommandIDs } from '../commands';
import { dataJobsIcon } from '../components/icons';
import { IDataJobsModel, IDeploymentsModel } from '../tokens';
import { DeploymentsSection } from './DeploymentsSection';
import { JobsSection } from './JobsSection';

/**
 * The Data Jobs sidebar: a header, a toolbar and collapsible sections (the
 * local jobs, and the deployments when a deployments model is given).
 *
 * The models poll the server only while this panel is visible.
 */
export class DataJobsPanel extends SidePanel {
  constructor(options: DataJobsPanel.IOptions) {
    super();
    this._model = options.model;
    this._deployments = options.deployments ?? null;
    this.id = 'dataops-sidebar';
    this.addClass('dataops-sidebar');
    this.title.icon = dataJobsIcon;
    this.title.caption = 'Data Jobs';

    const heading = new Widget();
    heading.node.textContent = 'Data Jobs';
    heading.addClass('dataops-sidebar-title');
    this.header.addWidget(heading);

    this.toolbar.addItem(
      'new-job',
      new ToolbarButton({
        icon: addIcon,
        className: 'dataops-new-job-button',
        tooltip: 'New data job',
        onClick: () => void options.commands.execute(CommandIDs.createJob)
      })
    );
    this.toolbar.addItem(
      'refresh',
      new ToolbarButton({
        icon: refreshIcon,
        className: 'dataops-refresh-button',
        tooltip: 'Refresh data jobs',
        onClick: () => void options.commands.execute(CommandIDs.refresh)
      })
    );

    this.addWidget(
      new JobsSection({
        model: options.model,
        commands: options.commands,
        deployments: options.deployments
      })
    );
    if (options.deployments) {
      this.addWidget(
        new DeploymentsSection({
          model: options.deployments,
          commands: options.commands
        })
      );
    }
  }

  /** The model shown by the panel. */
  get model(): IDataJobsModel {
    return this._model;
  }

  /** The deployments model shown by the panel, if any. */
  get deployments(): IDeploymentsModel | null {
    return this._deployments;
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    this._setVisible(this.isVisible);
  }

  protected onBeforeDetach(msg: Message): void {
    this._setVisible(false);
    super.onBeforeDetach(msg);
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this._setVisible(true);
  }

  protected onAfterHide(msg: Message): void {
    this._setVisible(false);
    super.onAfterHide(msg);
  }

  private _setVisible(visible: boolean): void {
    this._model.setVisible(visible);
    this._deployments?.setVisible(visible);
  }

  private _deployments: IDeploymentsModel | null;
  private _model: IDataJobsModel;
}

export namespace DataJobsPanel {
  export interface IOptions {
    model: IDataJobsModel;
    commands: CommandRegistry;
    /** Jobs on the control service and their executions. */
    deployments?: IDeploymentsModel;
  }
}
