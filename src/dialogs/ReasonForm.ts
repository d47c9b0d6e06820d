import { Dialog } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { translations } from '../translation';

/**
 * The body of the "Deploy" dialog: why this version (optional), recorded
 * with the version and shown in its history.
 */
export class ReasonForm extends Widget implements Dialog.IBodyWidget<string> {
  constructor(reason = '', trans: TranslationBundle = translations()) {
    super();
    this.addClass('dataops-reason-form');
    const label = document.createElement('label');
    label.textContent = trans.__('Reason (optional)');
    this._input = document.createElement('input');
    this._input.className = 'jp-mod-styled';
    this._input.type = 'text';
    this._input.placeholder = trans.__('e.g. new price column');
    this._input.maxLength = 500;
    this._input.setAttribute('aria-label', trans.__('Reason'));

    this._input.value = reason;
    label.appendChild(this._input);
    this.node.appendChild(label);
  }

  /** The reason as typed, without surrounding blanks. */
  getValue(): string {
    return this._input.value.trim();
  }

  private _input: HTMLInputElement;
}
