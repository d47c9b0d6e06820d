import { Dialog } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';

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
  constructor(deployments: ReadonlyArray<Deployment>) {
    super();
    this.addClass('dataops-version-picker');
    const label = document.createElement('label');
    label.textContent = 'Version that runs';
    this._select = document.createElement('select');
    this._select.className = 'jp-mod-styled';
    this._select.setAttribute('aria-label', 'Version that runs');
    for (const deployment of deployments) {
      const option = document.createElement('option');
      option.value = String(deployment.version);
      option.textContent = describeVersion(deployment);
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
export function describeVersion(deployment: Deployment): string {
  const parts = [
    `v${deployment.version}`,
    new Date(deployment.created_at).toLocaleString()
  ];
  if (deployment.created_by) {
    parts.push(`by ${deployment.created_by}`);
  }
  if (deployment.reason) {
    parts.push(deployment.reason);
  }
  return parts.join(' · ') + (deployment.active ? ' (active)' : '');
}
