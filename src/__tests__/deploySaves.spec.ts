import { Notification, showDialog } from '@jupyterlab/apputils';
import { CommandRegistry } from '@lumino/commands';

import { CommandIDs } from '../commandIds';
import { addDeploymentCommands } from '../deploymentCommands';
import { DataOpsService } from '../service';
import { makeDeployment } from './fixtures';

jest.mock('@jupyterlab/apputils', () => ({
  ...jest.requireActual('@jupyterlab/apputils'),
  showDialog: jest.fn(),
  showErrorMessage: jest.fn(() => Promise.resolve())
}));

const dialog = showDialog as jest.Mock;

describe('deploy with unsaved changes', () => {
  it('asks to save the documents of the job folder first, as a run does', async () => {
    dialog.mockReset();
    jest.spyOn(Notification, 'success').mockImplementation(() => '');
    const saved: string[] = [];
    const documents = [
      { path: 'jobs/orders/orders.ipynb', dirty: true },
      { path: 'jobs/other/other.ipynb', dirty: true }
    ].map(document => ({
      ...document,
      save: async () => {
        saved.push(document.path);
      }
    }));
    const deployments: any = {
      service: new DataOpsService(),
      deploy: jest.fn(() => Promise.resolve(makeDeployment('orders', 2)))
    };
    const registry = new CommandRegistry();
    addDeploymentCommands(registry, deployments, {
      open: () => undefined,
      activate: () => undefined,
      documents: () => documents
    });
    const args = { name: 'orders', path: 'jobs/orders' };

    dialog.mockResolvedValueOnce({ button: { accept: false }, value: null });
    await registry.execute(CommandIDs.deployJob, args);
    expect(dialog.mock.calls[0][0].title).toBe('orders has unsaved changes');
    expect(dialog.mock.calls[0][0].body).toBe(
      'orders.ipynb has changes that are not saved. A deploy uploads the saved files.'
    );
    expect(deployments.deploy).not.toHaveBeenCalled();

    dialog.mockResolvedValueOnce({
      button: { accept: true, label: 'Save and deploy' },
      value: null
    });
    await registry.execute(CommandIDs.deployJob, args);
    expect(saved).toEqual(['jobs/orders/orders.ipynb']);
    expect(deployments.deploy).toHaveBeenCalledTimes(1);

    // Without the folder (older callers) nothing is asked.
    await registry.execute(CommandIDs.deployJob, { name: 'orders' });
    expect(dialog).toHaveBeenCalledTimes(2);
    expect(deployments.deploy).toHaveBeenCalledTimes(2);
  });
});
