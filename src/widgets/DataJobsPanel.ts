import {
  SidePanel,
  ToolbarButton,
  addIcon,
  refreshIcon
} from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import { DisposableDelegate, IDisposable } from '@lumino/disposable';
import { Message } from '@lumino/messaging';
import { ITranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { CommandIDs } from '../commandIds';
import { dataJobsIcon } from '../components/icons';
import { IDataJobsSidebar } from '../tokens';
import { translations } from '../translation';
import { ServerExtensionNotice, isServerModel } from './ServerExtensionNotice';

/** The rank of a section added without one: after the built-in sections. */
const DEFAULT_RANK = 1000;

/** A section of the sidebar and what it was added with. */
interface ISection {
  widget: Widget;
  rank: number;
  visibility: IDataJobsSidebar.ISectionOptions['visibility'];
}

/**
 * The Data Jobs sidebar: a header, a toolbar and the sections plugins add
 * (collapsible and resizable, in the order of their rank).
 *
 * Each section's `visibility` is told whether the panel is on screen, so
 * that models poll the server only while they are shown.
 */
export class DataJobsPanel extends SidePanel implements IDataJobsSidebar {
  constructor(options: DataJobsPanel.IOptions) {
    super({ translator: options.translator ?? undefined });
    const trans = translations(options.translator);
    this.id = 'dataops-sidebar';
    this.addClass('dataops-sidebar');
    this.title.icon = dataJobsIcon;
    this.title.caption = trans.__('Data Jobs');

    const heading = new Widget();
    heading.node.textContent = trans.__('Data Jobs');
    heading.addClass('dataops-sidebar-title');
    this.header.addWidget(heading);

    // A missing server extension: one message instead of the sections.
    this._notice = new ServerExtensionNotice({ trans });
    this._notice.missingChanged.connect((_, missing) =>
      this.content.setHidden(missing)
    );
    this.header.addWidget(this._notice);

    this.toolbar.addItem(
      'new-job',
      new ToolbarButton({
        icon: addIcon,
        className: 'dataops-new-job-button',
        tooltip: trans.__('New data job'),
        onClick: () => void options.commands.execute(CommandIDs.createJob)
      })
    );
    this.toolbar.addItem(
      'refresh',
      new ToolbarButton({
        icon: refreshIcon,
        className: 'dataops-refresh-button',
        tooltip: trans.__('Refresh data jobs'),
        onClick: () => void options.commands.execute(CommandIDs.refresh)
      })
    );
  }

  addSection(
    widget: Widget,
    options: IDataJobsSidebar.ISectionOptions = {}
  ): IDisposable {
    const section: ISection = {
      widget,
      rank: options.rank ?? DEFAULT_RANK,
      visibility: options.visibility
    };
    // After every section of the same or a lower rank: equal ranks keep their order.
    const index = this._sections.filter(s => s.rank <= section.rank).length;
    this._sections.splice(index, 0, section);
    this.insertWidget(index, widget);
    if (this._shown) {
      section.visibility?.setVisible(true);
    }
    const followed = isServerModel(section.visibility)
      ? this._notice.addModel(section.visibility)
      : null;
    return new DisposableDelegate(() => {
      const at = this._sections.indexOf(section);
      if (at === -1) {
        return;
      }
      this._sections.splice(at, 1);
      followed?.dispose();
      if (this._shown) {
        section.visibility?.setVisible(false);
      }
      if (!widget.isDisposed) {
        widget.parent = null;
      }
    });
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    this._setShown(this.isVisible);
  }

  protected onBeforeDetach(msg: Message): void {
    this._setShown(false);
    super.onBeforeDetach(msg);
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this._setShown(true);
  }

  protected onAfterHide(msg: Message): void {
    this._setShown(false);
    super.onAfterHide(msg);
  }

  private _setShown(shown: boolean): void {
    this._shown = shown;
    for (const section of this._sections) {
      section.visibility?.setVisible(shown);
    }
  }

  private _notice: ServerExtensionNotice;
  private _sections: ISection[] = [];
  private _shown = false;
}

export namespace DataJobsPanel {
  export interface IOptions {
    /** Runs the toolbar's commands. */
    commands: CommandRegistry;
    /** Translates the panel's strings (none: as written). */
    translator?: ITranslator | null;
  }
}
