import { Dialog } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { translations } from '../translation';
import { Arguments } from '../types';

/**
 * The body of the "Run with arguments" dialog: one field per parameter of
 * the job, filled with its default from the `parameters` cell.
 *
 * A field whose default is text is sent as typed; any other is read as JSON
 * (`5`, `true`, `[1, 2]`) and sent as text if it is not JSON, so that the
 * server can say which type it wants. Only changed fields are sent.
 *
 * When the server refused what was typed, the form opens again with the
 * typed text (`typed`) and the server's reason (`error`).
 */
export class ArgumentsForm
  extends Widget
  implements Dialog.IBodyWidget<Arguments>
{
  constructor(
    parameters: Arguments,
    options: {
      typed?: { [name: string]: string };
      error?: string;
      trans?: TranslationBundle;
    } = {}
  ) {
    super();
    const trans = options.trans ?? translations();
    this.addClass('dataops-arguments-form');
    if (options.error) {
      const error = document.createElement('p');
      error.className = 'dataops-arguments-error';
      error.setAttribute('role', 'alert');
      error.textContent = options.error;
      this.node.appendChild(error);
    }
    const names = Object.keys(parameters);
    if (names.length === 0) {
      const empty = document.createElement('p');
      empty.textContent = trans.__(
        'This job has no parameters cell: it runs as it is.'
      );

      this.node.appendChild(empty);
    }
    for (const name of names) {
      const label = document.createElement('label');
      const title = document.createElement('span');
      title.textContent = name;
      const input = document.createElement('input');
      input.className = 'jp-mod-styled';
      input.name = name;
      input.setAttribute('aria-label', name);
      const initial = showValue(parameters[name]);
      input.value = options.typed?.[name] ?? initial;
      label.append(title, input);
      this.node.appendChild(label);
      this._fields.push({ input, initial, default: parameters[name] });
    }
  }

  /** The arguments whose fields were changed. */
  getValue(): Arguments {
    const args: Arguments = {};
    for (const field of this._fields) {
      if (field.input.value !== field.initial) {
        args[field.input.name] = readValue(field.input.value, field.default);
      }
    }
    return args;
  }

  /** The text of every field as typed, by name. */
  get typed(): { [name: string]: string } {
    const typed: { [name: string]: string } = {};
    for (const field of this._fields) {
      typed[field.input.name] = field.input.value;
    }
    return typed;
  }

  private _fields: {
    input: HTMLInputElement;
    initial: string;
    default: unknown;
  }[] = [];
}

/** A default as the user edits it: text as it is, anything else as JSON. */
export function showValue(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** What the user typed, as the value to send (see {@link ArgumentsForm}). */
export function readValue(text: string, defaultValue: unknown): unknown {
  if (typeof defaultValue === 'string') {
    return text;
  }
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
