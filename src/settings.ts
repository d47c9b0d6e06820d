import { showErrorMessage } from '@jupyterlab/apputils';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator } from '@jupyterlab/translation';
import { Debouncer } from '@lumino/polling';

import { describeError } from './pollingModel';
import { DataOpsService } from './service';
import { translations } from './translation';

/** The settings of the Data Jobs plugin (`schema/plugin.json`). */
export interface IDataJobsSettings {
  controlUrl: string;
  controlToken: string;
  team: string;
  /** Seconds. */
  refreshInterval: number;
}

/** The settings' current values, with the schema's defaults. */
export function readSettings(
  settings: ISettingRegistry.ISettings
): IDataJobsSettings {
  const text = (key: string) => String(settings.get(key).composite ?? '');
  return {
    controlUrl: text('controlUrl').trim(),
    controlToken: text('controlToken').trim(),
    team: text('team').trim(),
    refreshInterval: Number(settings.get('refreshInterval').composite) || 10
  };
}

/**
 * Applies the settings, now and whenever they change: the refresh interval
 * to the models, the control service to the Jupyter server.
 *
 * A token typed into the settings is sent to the server, which keeps it,
 * and the setting is emptied again at once.
 */
export class SettingsApplier {
  constructor(options: SettingsApplier.IOptions) {
    this._options = options;
  }

  /**
   * Apply `settings` and follow their changes, once typing paused for
   * `delay` ms (a URL typed letter by letter is sent once, not per letter).
   */
  async follow(settings: ISettingRegistry.ISettings): Promise<void> {
    const later = new Debouncer(
      () => this.apply(settings),
      this._options.delay ?? 800
    );
    settings.changed.connect(() => void later.invoke());
    await this.apply(settings);
  }

  /** Apply the current values of `settings`. */
  async apply(settings: ISettingRegistry.ISettings): Promise<void> {
    const values = readSettings(settings);
    for (const model of this._options.models) {
      model.refreshInterval = values.refreshInterval * 1000;
    }
    const connection = { url: values.controlUrl, team: values.team };
    const key = JSON.stringify(connection);
    const token = values.controlToken;
    if (!token && key === this._applied) {
      return;
    }
    if (
      this._applied === null &&
      !token &&
      !connection.url &&
      !connection.team
    ) {
      // Nothing chosen: the server keeps its own configuration.
      this._applied = key;
      return;
    }
    try {
      await this._options.service.setControlConnection(
        token ? { ...connection, token } : connection
      );
      this._applied = key;
      this._options.onConnectionChanged();
    } catch (error) {
      const trans = translations(this._options.translator);
      void showErrorMessage(
        trans.__('Control service settings'),
        describeError(error)
      );
    } finally {
      if (token) {
        await settings.set('controlToken', '');
      }
    }
  }

  private _applied: string | null = null;
  private _options: SettingsApplier.IOptions;
}

export namespace SettingsApplier {
  export interface IOptions {
    /** Sends the control service choice to the Jupyter server. */
    service: DataOpsService;
    /** The models whose refresh interval the settings set. */
    models: { refreshInterval: number }[];
    /** Called after the server switched to another control service. */
    onConnectionChanged: () => void;
    translator?: ITranslator;
    /** Milliseconds of quiet after a change before it is applied (800). */
    delay?: number;
  }
}
