import {
  Dialog,
  MainAreaWidget,
  showDialog,
  showErrorMessage
} from '@jupyterlab/apputils';
import { listIcon } from '@jupyterlab/ui-components';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import { Widget } from '@lumino/widgets';

import { ArgumentsForm } from './dialogs/ArgumentsForm';
import { describeError } from './pollingModel';
import { Arguments } from './types';
import { ILogSource, LogViewer } from './widgets/LogViewer';

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

/** Where the commands open their widgets. */
export interface IMainArea {
  /** Add a widget to the main area. */
  open: (widget: Widget) => void;
  /** Bring a widget of the main area to the front. */
  activate: (widget: Widget) => void;
}

/**
 * Show a log in the main area: a new panel the first time, the same panel
 * (brought to the front) while it is open.
 */
export function openLog(
  mainArea: IMainArea,
  panels: Map<string, MainAreaWidget<LogViewer>>,
  log: { key: string; label: string; caption: string; source: ILogSource }
): MainAreaWidget<LogViewer> {
  let widget = panels.get(log.key);
  if (!widget || widget.isDisposed) {
    widget = new MainAreaWidget({
      content: new LogViewer({ source: log.source })
    });
    widget.id = `dataops-log-${encodeURIComponent(log.key).replace(/%/g, '_')}`;
    widget.title.label = log.label;
    widget.title.caption = log.caption;
    widget.title.icon = listIcon;
    widget.title.closable = true;
    widget.addClass('dataops-log-panel');
    panels.set(log.key, widget);
    const key = log.key;
    widget.disposed.connect(() => panels.delete(key));
    mainArea.open(widget);
  }
  mainArea.activate(widget);
  return widget;
}
