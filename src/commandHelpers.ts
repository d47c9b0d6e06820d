import {
  Dialog,
  MainAreaWidget,
  showDialog,
  showErrorMessage
} from '@jupyterlab/apputils';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { LabIcon, listIcon, notebookIcon } from '@jupyterlab/ui-components';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import { Widget } from '@lumino/widgets';

import { ArgumentsForm } from './dialogs/ArgumentsForm';
import { describeError } from './pollingModel';
import { DataOpsRequestError } from './request';
import { Arguments } from './types';
import { ILogSource, LogViewer } from './widgets/LogViewer';
import { INotebookSource, OutputNotebook } from './widgets/OutputNotebook';

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
 * The arguments a run or an execution starts with: the command's
 * `arguments`, or, when its `ask` is true, what the user enters in a form
 * that starts from the job's parameter defaults (null if cancelled).
 */
export async function argumentsFor(
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
    buttons: [Dialog.cancelButton(), button({ label: options.label })]
  });
  return result.button.accept;
}

/** Where the commands open their widgets. */
export interface IMainArea {
  /** Add a widget to the main area. */
  open: (widget: Widget) => void;
  /** Bring a widget of the main area to the front. */
  activate: (widget: Widget) => void;
  /** The renderers of outputs and markdown; output notebooks need them. */
  rendermime?: IRenderMimeRegistry;
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
}

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
    mainArea.open(widget);
  }
  mainArea.activate(widget);
  return widget;
}

/** Show a log in the main area (see {@link openPanel}). */
export function openLog(
  mainArea: IMainArea,
  panels: Map<string, MainAreaWidget<LogViewer>>,
  log: { key: string; label: string; caption: string; source: ILogSource }
): MainAreaWidget<LogViewer> {
  return openPanel(mainArea, panels, {
    key: log.key,
    label: log.label,
    caption: log.caption,
    icon: listIcon,
    className: 'dataops-log-panel',
    create: () => new LogViewer({ source: log.source })
  });
}

/**
 * Show the output notebook of a run or an execution in the main area (see
 * {@link openPanel}); throws if the application has no renderers.
 */
export function openOutput(
  mainArea: IMainArea,
  panels: Map<string, MainAreaWidget<OutputNotebook>>,
  output: {
    key: string;
    label: string;
    caption: string;
    source: INotebookSource;
  }
): MainAreaWidget<OutputNotebook> {
  const rendermime = mainArea.rendermime;
  if (!rendermime) {
    throw new Error('This application cannot render notebooks.');
  }
  return openPanel(mainArea, panels, {
    key: output.key,
    label: output.label,
    caption: output.caption,
    icon: notebookIcon,
    className: 'dataops-output-panel',
    create: () => new OutputNotebook({ source: output.source, rendermime })
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
