import {
  Dialog,
  MainAreaWidget,
  showDialog,
  showErrorMessage
} from '@jupyterlab/apputils';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { TranslationBundle } from '@jupyterlab/translation';
import {
  LabIcon,
  checkIcon,
  listIcon,
  notebookIcon
} from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import {
  ReadonlyJSONObject,
  ReadonlyPartialJSONObject
} from '@lumino/coreutils';
import { Widget } from '@lumino/widgets';

import { ArgumentsForm } from './dialogs/ArgumentsForm';
import { describeError } from './pollingModel';
import { DataOpsRequestError } from './request';
import { translations } from './translation';
import { Arguments } from './types';
import { CheckReport, ICheckSource } from './widgets/CheckReport';
import { ILogSource, LogViewer } from './widgets/LogViewer';
import { INotebookSource, OutputNotebook } from './widgets/OutputNotebook';

/**
 * The `describedBy` of a command about one job: `{name}` plus `extra`
 * arguments.
 */
export function jobArgs(
  extra: ReadonlyJSONObject = {}
): CommandRegistry.Description {
  return {
    args: {
      type: 'object',
      properties: {
        name: { type: 'string', description: 'The name of the job' },
        ...extra
      },
      required: ['name']
    }
  };
}

/** Whether a command's arguments name a job. */
export function hasJobName(args: ReadonlyPartialJSONObject): boolean {
  return typeof args.name === 'string' && args.name !== '';
}

/**
 * Run a command's action; if it fails, show why in an error dialog titled
 * `title` and resolve to `undefined`.
 */
export async function orErrorDialog<T>(
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
 * Start a run or an execution with the command's `arguments`, or, when its
 * `ask` is true, with what the user enters in a form that starts from the
 * job's parameter defaults (undefined if cancelled). Arguments the server
 * refuses (400) bring the form back with what was typed and the reason.
 */
export async function startWithArguments<T>(
  args: ReadonlyPartialJSONObject,
  action: string,
  form: () => Promise<{ title: string; parameters: Arguments | undefined }>,
  start: (chosen: Arguments | undefined) => Promise<T>,
  trans: TranslationBundle = translations()
): Promise<T | undefined> {
  if (args.ask !== true) {
    return start(args.arguments as Arguments | undefined);
  }
  const { title, parameters } = await form();
  let typed: { [name: string]: string } | undefined;
  let error: string | undefined;
  for (;;) {
    const body = new ArgumentsForm(parameters ?? {}, { typed, error, trans });
    const result = await showDialog({
      title,
      body,
      buttons: [Dialog.cancelButton(), Dialog.okButton({ label: action })]
    });
    if (!result.button.accept || result.value === null) {
      return undefined;
    }
    try {
      return await start(result.value);
    } catch (refusal) {
      if (!(refusal instanceof DataOpsRequestError) || refusal.status !== 400) {
        throw refusal;
      }
      typed = body.typed;
      error = refusal.message;
    }
  }
}

/** Whether a server call was refused because of the state of things (409). */
export function isConflict(error: unknown): error is DataOpsRequestError {
  return error instanceof DataOpsRequestError && error.status === 409;
}

/**
 * Ask the user to confirm an action in a dialog with Cancel and `label`;
 * true if confirmed. `warn` makes the action button a warning (deleting).
 */
export async function confirmAction(options: {
  title: string;
  body: string;
  label: string;
  warn?: boolean;
}): Promise<boolean> {
  const button = options.warn ? Dialog.warnButton : Dialog.okButton;
  const result = await showDialog({
    title: options.title,
    body: options.body,
    buttons: [Dialog.cancelButton(), button({ label: options.label })],
    // A warning (deleting) is not what Enter does.
    defaultButton: options.warn ? 0 : 1
  });
  return result.button.accept;
}

/** Where the commands open their widgets. */
export interface IMainArea {
  /**
   * Add a widget to the main area; with `restore`, a reload opens it again
   * by running `restore.command` with `restore.args` (the layout restorer).
   */
  open: (
    widget: Widget,
    restore?: { command: string; args: ReadonlyPartialJSONObject }
  ) => void;
  /** Bring a widget of the main area to the front. */
  activate: (widget: Widget) => void;
  /** The renderers of outputs and markdown; output notebooks need them. */
  rendermime?: IRenderMimeRegistry;
  /** The documents open in the application, to find unsaved changes. */
  documents?: () => ReadonlyArray<IOpenDocument>;
  /** The bundle the commands and the panels they open write with. */
  trans?: TranslationBundle;
}

/** A document open in the application. */
export interface IOpenDocument {
  /** Its path, relative to the server root. */
  readonly path: string;
  /** Whether it has changes that are not saved. */
  readonly dirty: boolean;
  /** Save it. */
  save(): Promise<void>;
}

/**
 * The documents of a job folder (`path`, relative to the server root) that
 * have unsaved changes.
 */
export function unsavedDocuments(
  mainArea: IMainArea,
  path: string
): IOpenDocument[] {
  const folder = path === '' || path === '.' ? '' : `${path}/`;
  const seen = new Set<string>();
  return (mainArea.documents?.() ?? []).filter(document => {
    const inFolder = document.path.startsWith(folder);
    if (!document.dirty || !inFolder || seen.has(document.path)) {
      return false;
    }
    seen.add(document.path);
    return true;
  });
}

/**
 * Before a run (or a deploy) of a job: if documents of its folder have
 * unsaved changes, ask whether to save them first, use the saved files, or
 * cancel; resolves to false if cancelled.
 */
export async function saveBeforeRun(
  mainArea: IMainArea,
  name: string,
  path: string,
  action: 'run' | 'deploy' = 'run'
): Promise<boolean> {
  const unsaved = unsavedDocuments(mainArea, path);
  if (unsaved.length === 0) {
    return true;
  }
  const names = unsaved
    .map(document => document.path.slice(document.path.lastIndexOf('/') + 1))
    .join(', ');
  const trans = mainArea.trans ?? translations();
  const words = saveBefore(action, trans);
  const result = await showDialog({
    title: trans.__('%1 has unsaved changes', name),
    body: trans._n(
      '%2 has changes that are not saved. %3',
      '%2 have changes that are not saved. %3',
      unsaved.length,
      names,
      words.uses
    ),
    buttons: [
      Dialog.cancelButton(),
      Dialog.okButton({ label: words.saved, displayType: 'default' }),
      Dialog.okButton({ label: words.save })
    ]
  });
  if (!result.button.accept) {
    return false;
  }
  if (result.button.label === words.save) {
    await Promise.all(unsaved.map(document => document.save()));
  }
  return true;
}

/** The words of the unsaved-changes question, per action. */
function saveBefore(
  action: 'run' | 'deploy',
  trans: TranslationBundle
): { uses: string; saved: string; save: string } {
  return action === 'run'
    ? {
        uses: trans.__('A run uses the saved files.'),
        saved: trans.__('Run saved'),
        save: trans.__('Save and run')
      }
    : {
        uses: trans.__('A deploy uploads the saved files.'),
        saved: trans.__('Deploy saved'),
        save: trans.__('Save and deploy')
      };
}

/** A panel of the main area that a command opens, once per key. */
export interface IPanelSpec<T extends Widget> {
  /** One panel per key: `run-<id>`, `execution-output-<job>-<id>`. */
  key: string;
  /** The tab's label. */
  label: string;
  /** The tab's tooltip. */
  caption: string;
  /** The tab's icon. */
  icon: LabIcon;
  /** A class of the panel, e.g. `dataops-log-panel`. */
  className: string;
  /** The panel's content, made the first time. */
  create: () => T;
  /** The command (and its arguments) that opens this panel after a reload. */
  restore: { command: string; args: ReadonlyPartialJSONObject };
}

/** What a command says about the log or output panel it opens. */
type PanelRequest<T extends Widget> = Omit<
  IPanelSpec<T>,
  'icon' | 'className' | 'create'
>;

/**
 * Show a panel in the main area: a new one the first time, the same one
 * (brought to the front) while it is open.
 */
export function openPanel<T extends Widget>(
  mainArea: IMainArea,
  panels: Map<string, MainAreaWidget<T>>,
  spec: IPanelSpec<T>
): MainAreaWidget<T> {
  let widget = panels.get(spec.key);
  if (!widget || widget.isDisposed) {
    widget = new MainAreaWidget({ content: spec.create() });
    widget.id = `dataops-${encodeURIComponent(spec.key).replace(/%/g, '_')}`;
    widget.title.label = spec.label;
    widget.title.caption = spec.caption;
    widget.title.icon = spec.icon;
    widget.title.closable = true;
    widget.addClass(spec.className);
    panels.set(spec.key, widget);
    const key = spec.key;
    widget.disposed.connect(() => panels.delete(key));
    mainArea.open(widget, spec.restore);
  }
  mainArea.activate(widget);
  return widget;
}

/** Show a log in the main area (see {@link openPanel}). */
export function openLog(
  mainArea: IMainArea,
  panels: Map<string, MainAreaWidget<LogViewer>>,
  log: PanelRequest<LogViewer> & { source: ILogSource }
): MainAreaWidget<LogViewer> {
  const { source, ...request } = log;
  return openPanel(mainArea, panels, {
    ...request,
    icon: listIcon,
    className: 'dataops-log-panel',
    create: () => new LogViewer({ source, trans: mainArea.trans })
  });
}

/**
 * Show the output notebook of a run or an execution in the main area (see
 * {@link openPanel}); throws if the application has no renderers.
 */
export function openOutput(
  mainArea: IMainArea,
  panels: Map<string, MainAreaWidget<OutputNotebook>>,
  output: PanelRequest<OutputNotebook> & { source: INotebookSource }
): MainAreaWidget<OutputNotebook> {
  const rendermime = mainArea.rendermime;
  const trans = mainArea.trans ?? translations();
  if (!rendermime) {
    throw new Error(trans.__('This application cannot render notebooks.'));
  }
  const { source, ...request } = output;
  return openPanel(mainArea, panels, {
    ...request,
    icon: notebookIcon,
    className: 'dataops-output-panel',
    create: () => new OutputNotebook({ source, rendermime, trans })
  });
}

/** Show the check report of a step in the main area (see {@link openPanel}). */
export function openChecks(
  mainArea: IMainArea,
  panels: Map<string, MainAreaWidget<CheckReport>>,
  report: PanelRequest<CheckReport> & { source: ICheckSource }
): MainAreaWidget<CheckReport> {
  const { source, ...request } = report;
  return openPanel(mainArea, panels, {
    ...request,
    icon: checkIcon,
    className: 'dataops-checks-panel',
    create: () => new CheckReport({ source, trans: mainArea.trans })
  });
}

/**
 * The short form of a run or execution id for tab titles: the random part
 * of `20261201T120000-1a2b3c4d` (`1a2b3c4d`), or the id as it is.
 */
export function shortId(id: string): string {
  const match = /^\d{8}T\d{6}-([0-9a-f]+)$/.exec(id);
  return match ? match[1] : id;
}
