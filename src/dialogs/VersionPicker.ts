import { Dialog } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { translations } from '../translation';

import { Deployment } from '../types';

/**
 * The body of the "Versions" dialog: the deployed versions of a job, newest
 * first, with when, by whom and why each was deployed; the active one is
 * selected at first.
 */
export class VersionPicker
  extends Widget
  implements Dialog.IBodyWidget<number>
{
  constructor(
    deployments: ReadonlyArray<Deployment>,
    trans: TranslationBundle = translations()
  ) {
    super();
    this.addClass('dataops-version-picker');
    const label = document.createElement('label');
    label.textContent = trans.__('Version that runs');
    this._select = document.createElement('select');
    this._select.className = 'jp-mod-styled';
    this._select.setAttribute('aria-label', trans.__('Version that runs'));
    for (const deployment of deployments) {
      const option = document.createElement('option');
      option.value = String(deployment.version);
      option.textContent = describeVersion(deployment, trans);
      option.selected = deployment.active;
      this._select.appendChild(option);
    }
    label.appendChild(this._select);
    this.node.appendChild(label);
  }

  /** The chosen version. */
  getValue(): number {
    return Number(this._select.value);
  }

  private _select: HTMLSelectElement;
}

/** "v3 · 25/11/2026, 12:00 · by ana · fix prices (active)". */
export function describeVersion(
  deployment: Deployment,
  trans: TranslationBundle = translations()
): string {
  const parts = [
    trans.__('v%1', deployment.version),
    new Date(deployment.created_at).toLocaleString()
  ];
  if (deployment.created_by) {
    parts.push(trans.__('by %1', deployment.created_by));
  }
  if (deployment.reason) {
    parts.push(deployment.reason);
  }
  const line = parts.join(' · ');
  return deployment.active ? trans.__('%1 (active)', line) : line;
}
