import { TranslationBundle } from '@jupyterlab/translation';
import { DisposableDelegate, IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

import { translations } from '../translation';

/** What the notice needs of a model that polls the server. */
export interface IServerModel {
  readonly changed: ISignal<unknown, void>;
  /** Whether the server extension did not answer its last load. */
  readonly extensionMissing: boolean;
  /** Why: the message to show. */
  readonly error: string | null;
  /** Load again (and poll again once the extension answers). */
  refresh(): Promise<void>;
}

/** Whether a section's model is one that the notice can follow. */
export function isServerModel(model: unknown): model is IServerModel {
  return (
    typeof model === 'object' &&
    model !== null &&
    'extensionMissing' in model &&
    'changed' in model &&
    'refresh' in model
  );
}

/**
 * One message, with a Retry button, while the server extension is not
 * running: shown by the sidebar instead of an error in each section.
 */
export class ServerExtensionNotice extends Widget {
  constructor(options: { trans?: TranslationBundle } = {}) {
    super();
    const trans = options.trans ?? translations();
    this.addClass('dataops-extension-missing');
    this.node.setAttribute('role', 'alert');
    this._message = document.createElement('p');
    const retry = document.createElement('button');
    retry.type = 'button';
    retry.className = 'dataops-retry-button jp-mod-styled jp-mod-accept';
    retry.textContent = trans.__('Retry');

    retry.onclick = () => void this.retry();
    this._retry = retry;
    this.node.append(this._message, retry);
    this.setHidden(true);
  }

  /** Follow one more model (a section's); disposing the result stops. */
  addModel(model: IServerModel): IDisposable {
    this._models.push(model);
    model.changed.connect(this._update, this);
    this._update();
    return new DisposableDelegate(() => {
      model.changed.disconnect(this._update, this);
      this._models = this._models.filter(m => m !== model);
      this._update();
    });
  }

  /** Whether the extension is missing: the notice shows. */
  get isMissing(): boolean {
    return this._missing;
  }

  /** Emitted with `isMissing` when it changes. */
  get missingChanged(): ISignal<this, boolean> {
    return this._missingChanged;
  }

  /** Ask the server again with every model. */
  async retry(): Promise<void> {
    this._retry.disabled = true;
    try {
      await Promise.all(this._models.map(model => model.refresh()));
    } finally {
      this._retry.disabled = false;
    }
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    Signal.clearData(this);
    super.dispose();
  }

  private _update(): void {
    const missing = this._models.find(model => model.extensionMissing);
    this._message.textContent = missing?.error ?? '';
    this.setHidden(!missing);
    if (!!missing !== this._missing) {
      this._missing = !!missing;
      this._missingChanged.emit(this._missing);
    }
  }

  private _message: HTMLParagraphElement;
  private _missing = false;
  private _missingChanged = new Signal<this, boolean>(this);
  private _models: IServerModel[] = [];
  private _retry: HTMLButtonElement;
}
