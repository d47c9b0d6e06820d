import { Dialog } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { describeError } from '../pollingModel';
import { translations } from '../translation';
import { Arguments } from '../types';

/** What the user asked for in the job settings dialog. */
export interface IJobSettings {
  /** The properties as typed (JSON text). */
  properties: string;
  /** A secret to set, if both its name and value were given. */
  secret: { name: string; value: string } | null;
}

/**
 * The body of the "Properties and secrets" dialog of a deployed job: its
 * properties as editable JSON, the names of its secrets (each can be deleted
 * at once) and fields to set a secret. Secret values are never shown: the
 * value field is a password field and the service only ever sends names.
 */
export class JobSettingsForm
  extends Widget
  implements Dialog.IBodyWidget<IJobSettings>
{
  constructor(options: JobSettingsForm.IOptions) {
    super();
    this.addClass('dataops-job-settings');
    this._deleteSecret = options.deleteSecret;
    const trans = options.trans ?? translations();
    this._trans = trans;

    const properties = document.createElement('label');
    properties.append(trans.__('Properties (a JSON object)'));
    this._properties = document.createElement('textarea');
    this._properties.className = 'jp-mod-styled';
    this._properties.rows = 6;
    this._properties.spellcheck = false;
    this._properties.setAttribute('aria-label', trans.__('Properties'));
    this._properties.value = options.properties;
    properties.appendChild(this._properties);

    const heading = document.createElement('div');
    heading.className = 'dataops-job-settings-heading';
    heading.textContent = trans.__('Secrets (values are never shown)');
    this._secrets = document.createElement('ul');
    this._secrets.className = 'dataops-secret-list';
    for (const name of options.secrets) {
      this._secrets.appendChild(this._secretItem(name));
    }
    this._message = document.createElement('div');
    this._message.className = 'dataops-job-settings-message';
    this._message.setAttribute('role', 'status');

    const add = document.createElement('div');
    add.className = 'dataops-secret-add';
    this._secretName = field(trans.__('Secret name'), 'text', 'API_KEY');
    this._secretValue = field(
      trans.__('Secret value'),
      'password',
      trans.__('value')
    );
    this._secretValue.autocomplete = 'new-password';
    add.append(this._secretName, this._secretValue);

    this.node.append(properties, heading, this._secrets, add, this._message);
    this._showEmpty();
  }

  getValue(): IJobSettings {
    const name = this._secretName.value.trim();
    const value = this._secretValue.value;
    return {
      properties: this._properties.value,
      secret: name && value ? { name, value } : null
    };
  }

  private _secretItem(name: string): HTMLLIElement {
    const item = document.createElement('li');
    item.dataset.secret = name;
    const label = document.createElement('code');
    label.textContent = name;
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.className = 'jp-mod-styled dataops-secret-delete';
    const trans = this._trans;
    remove.textContent = trans.__('Delete');
    remove.setAttribute('aria-label', trans.__('Delete secret %1', name));
    remove.onclick = async () => {
      remove.disabled = true;
      try {
        await this._deleteSecret(name);
        item.remove();
        this._message.textContent = trans.__('Deleted the secret %1.', name);
        this._showEmpty();
      } catch (error) {
        remove.disabled = false;
        this._message.textContent = trans.__(
          'Cannot delete %1: %2',
          name,
          describeError(error)
        );
      }
    };
    item.append(label, remove);
    return item;
  }

  private _showEmpty(): void {
    this._secrets.classList.toggle(
      'dataops-mod-empty',
      this._secrets.childElementCount === 0
    );
  }

  private _deleteSecret: (name: string) => Promise<void>;
  private _message: HTMLDivElement;
  private _properties: HTMLTextAreaElement;
  private _secretName: HTMLInputElement;
  private _secretValue: HTMLInputElement;
  private _secrets: HTMLUListElement;
  private _trans: TranslationBundle;
}

export namespace JobSettingsForm {
  export interface IOptions {
    /** The properties as JSON text. */
    properties: string;
    /** The names of the job's secrets. */
    secrets: ReadonlyArray<string>;
    /** Delete a secret on the service (the list updates when it resolves). */
    deleteSecret: (name: string) => Promise<void>;
    /** The bundle the form writes with (none: as written). */
    trans?: TranslationBundle;
  }
}

/** Properties typed in the dialog; throws with a reason if they are no JSON object. */
export function parseProperties(
  text: string,
  trans: TranslationBundle = translations()
): Arguments {
  let value: unknown;
  try {
    value = JSON.parse(text.trim() === '' ? '{}' : text);
  } catch (error) {
    throw new Error(
      trans.__('The properties are not valid JSON: %1', describeError(error))
    );
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(
      trans.__('The properties must be a JSON object, like {"threshold": 5}.')
    );
  }

  return value as Arguments;
}

function field(
  label: string,
  type: string,
  placeholder: string
): HTMLInputElement {
  const input = document.createElement('input');
  input.className = 'jp-mod-styled';
  input.type = type;
  input.placeholder = placeholder;
  input.setAttribute('aria-label', label);
  return input;
}
