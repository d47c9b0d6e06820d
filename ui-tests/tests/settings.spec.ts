import { expect, test } from '@jupyterlab/galata';

import { screenshotBothThemes } from './helpers';

test.describe('Data Jobs settings', () => {
  test('opens from the Data Jobs menu; a token goes to the server, not into the settings', async ({
    page
  }) => {
    await page.menu.clickMenuItem('Data Jobs>Data Jobs Settings…');
    const form = page.locator('.jp-SettingsPanel');
    await expect(form).toContainText('Control service URL', { timeout: 30000 });
    await expect(form).toContainText('Refresh interval (seconds)');
    await screenshotBothThemes(page, 'settings-form');

    // A URL the server refuses: its message shows, and the token is forgotten.
    const url = form.locator('input[id$="_controlUrl"]');
    const token = form.locator('input[id$="_controlToken"]');
    await url.fill('ftp://127.0.0.1:1');
    await token.fill('tok-never-stored-4711');
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog).toContainText('Control service settings', {
      timeout: 30000
    });
    await expect(dialog).toContainText('is not a control service URL');
    await screenshotBothThemes(page, 'settings-refused');
    await dialog.getByRole('button', { name: /Ok|Dismiss|Close/i }).click();
    await expect(token).toHaveValue('', { timeout: 30000 });
    const stored = await page.request.get(
      '/lab/api/settings/dataops-jupyter:plugin'
    );
    expect(await stored.text()).not.toContain('tok-never-stored-4711');

    // Back to the server's own control service: the sidebar still lists it.
    await url.fill('');
    await page.sidebar.openTab('dataops-sidebar');
    await expect(
      page.locator('#dataops-sidebar .dataops-control-status')
    ).toContainText('control service', { timeout: 60000 });
    const connection = await page.request.get('/dataops/control/connection');
    expect(await connection.json()).toMatchObject({
      embedded: true,
      token_set: false
    });
  });
});
