import { IJupyterLabPageFixture, expect, test } from '@jupyterlab/galata';
import { Locator } from '@playwright/test';

import {
  codeCell,
  screenshotBothThemes,
  startRun,
  toolbarItem,
  uploadJob
} from './helpers';

/** A suffix that keeps the names of one test run apart from earlier runs. */
const RUN = Date.now().toString(36);

/** The new-job dialog, once it shows `title`. */
async function newJobDialog(
  page: IJupyterLabPageFixture,
  title: string
): Promise<Locator> {
  const dialog = page.locator('.jp-Dialog');
  await expect(dialog.locator('.jp-Dialog-header')).toHaveText(title);
  await expect(dialog.locator('.dataops-new-job-form')).toBeVisible();
  return dialog;
}

// Wide enough for the notebook toolbar to show every item.
test.use({ viewport: { width: 1600, height: 900 } });

test.describe('New Data Job', () => {
  test('the + button creates a job with a schedule and opens its notebook', async ({
    page
  }) => {
    const name = `made-${RUN}`;
    await page.sidebar.openTab('dataops-sidebar');
    const sidebar = page.locator('#dataops-sidebar');
    await sidebar.locator('.dataops-new-job-button').first().click();
    let dialog = await newJobDialog(page, 'New Data Job');

    // A taken name: the server's message comes back in the dialog.
    await dialog.getByLabel('Name').fill('products');
    await dialog.getByRole('button', { name: 'Create' }).click();
    dialog = await newJobDialog(page, 'New Data Job');
    await expect(dialog.getByRole('alert')).toContainText('already exists');
    await expect(dialog.getByLabel('Name')).toHaveValue('products');

    await dialog.getByLabel('Name').fill(name);
    await dialog.getByLabel('Team').fill('analytics');
    await dialog.getByLabel('Description').fill('Made from the Lab');
    const schedule = dialog.getByLabel('Schedule (cron)');
    await schedule.fill('0 6 * *');
    await expect(dialog.locator('.dataops-cron-error')).toContainText(
      'five fields'
    );
    await expect(dialog.locator('.dataops-cron-next-time')).toHaveCount(0);
    await dialog.getByLabel('Timezone').fill('Europe/Berlin');
    await schedule.fill('0 6 * * 1-5');
    await expect(dialog.locator('.dataops-cron-text')).toHaveText(
      'At 06:00, Monday through Friday'
    );
    await expect(dialog.locator('.dataops-cron-error')).toBeEmpty();
    const times = dialog.locator('.dataops-cron-next-time');
    await expect(times).toHaveCount(3);
    for (const time of await times.all()) {
      await expect(time).toContainText('06:00');
      await expect(time).toHaveAttribute('data-time', /T06:00:00\+0[12]:00$/);
    }
    await screenshotBothThemes(page, 'create-job-dialog');

    await dialog.getByRole('button', { name: 'Create' }).click();
    await expect(page.locator('.jp-Dialog')).toHaveCount(0);
    await expect(
      page.locator('#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current')
    ).toContainText(`${name}.ipynb`);
    const job = sidebar.locator(`.dataops-job[data-job="${name}"]`);
    await expect(job).toBeVisible({ timeout: 30000 });
    // The new notebook is a job notebook: its toolbar runs the job.
    await expect(toolbarItem(page, 'dataops-toolbar-run')).toBeVisible();
    await expect(toolbarItem(page, 'dataops-job-status')).toHaveText(
      'no runs yet'
    );
  });

  test('File › New › Data Job and the Launcher card open the same dialog', async ({
    page
  }) => {
    // The dialog starts in the file browser's folder.
    const here = await page.filebrowser.getCurrentDirectory();
    await page.menu.clickMenuItem('File>New>Data Job');
    let dialog = await newJobDialog(page, 'New Data Job');
    await expect(dialog.getByLabel('Folder')).toHaveValue(here);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(page.locator('.jp-Dialog')).toHaveCount(0);

    await page.menu.clickMenuItem('File>New Launcher');
    const section = page.locator('.jp-Launcher-section', {
      has: page.locator('.jp-Launcher-sectionTitle', { hasText: 'Data Jobs' })
    });
    const card = section.locator('.jp-LauncherCard:visible', {
      hasText: 'Data Job'
    });
    await expect(card).toBeVisible();
    await page.screenshot({ path: 'screenshots/create-job-launcher.png' });
    await card.click();
    dialog = await newJobDialog(page, 'New Data Job');
    await expect(dialog.getByLabel('Folder')).toHaveValue(here);
    await expect(dialog.getByLabel('Name')).toBeFocused();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(page.locator('.jp-Dialog')).toHaveCount(0);
  });
});

test.describe('Convert to job', () => {
  test('a plain notebook becomes a job with every code cell a step', async ({
    page
  }) => {
    const folder = `plain-${RUN}`;
    const name = `explore-${RUN}`;
    const notebook = {
      cells: [
        {
          cell_type: 'markdown',
          id: 'm1',
          metadata: {},
          source: '# Exploring'
        },
        codeCell('p1', ['parameters'], 'limit = 3'),
        codeCell('c1', [], 'rows = list(range(limit))'),
        codeCell('c2', [], 'print(len(rows))')
      ],
      metadata: { kernelspec: { name: 'python3', display_name: 'Python 3' } },
      nbformat: 4,
      nbformat_minor: 5
    };
    await page.contents.uploadContent(
      JSON.stringify(notebook),
      'text',
      `${folder}/explore.ipynb`
    );
    await page.notebook.openByPath(`${folder}/explore.ipynb`);
    await page.sidebar.openTab('dataops-sidebar');
    const convert = toolbarItem(page, 'dataops-toolbar-convert');
    await expect(convert).toBeVisible({ timeout: 30000 });
    await expect(toolbarItem(page, 'dataops-toolbar-run')).toBeHidden();
    await convert.click();

    const dialog = await newJobDialog(page, 'Convert to Data Job');
    await expect(dialog.locator('.dataops-new-job-notebook')).toContainText(
      `${folder}/explore.ipynb`
    );
    await expect(dialog.getByLabel('Name')).toHaveValue('explore');
    await expect(dialog.getByLabel('Folder')).toHaveCount(0);
    const mark = dialog.getByRole('checkbox');
    await expect(mark).toBeChecked();
    await dialog.getByLabel('Name').fill(name);
    await dialog.getByLabel('Schedule (cron)').fill('*/30 * * * *');
    await expect(dialog.locator('.dataops-cron-text')).toHaveText(
      'Every 30 minutes'
    );
    await expect(dialog.locator('.dataops-cron-next-time')).toHaveCount(3);
    await screenshotBothThemes(page, 'convert-job-dialog');
    await dialog.getByRole('button', { name: 'Convert' }).click();
    await expect(page.locator('.jp-Dialog')).toHaveCount(0);

    const job = page.locator(
      `#dataops-sidebar .dataops-job[data-job="${name}"]`
    );
    await expect(job).toBeVisible({ timeout: 30000 });
    await expect(job.locator('.dataops-job-steps')).toHaveText('2 steps');
    await expect(toolbarItem(page, 'dataops-toolbar-run')).toBeVisible();
    await expect(convert).toBeHidden();
    // The steps were tagged and saved: the notebook has no unsaved changes.
    await expect(
      page.locator('#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current')
    ).not.toHaveClass(/jp-mod-dirty/);
  });
});

test.describe('Job toolbar', () => {
  test('Run job in a job notebook: the status chip follows the run', async ({
    page
  }) => {
    const name = `toolbar-${RUN}`;
    await uploadJob(page, name, [
      codeCell('p1', ['parameters'], 'greeting = "hello"'),
      codeCell('s1', ['step:greet'], 'print(greeting)')
    ]);
    // The sidebar stays closed: the toolbar follows the run by itself.
    await page.notebook.openByPath(`${name}/${name}.ipynb`);
    const status = toolbarItem(page, 'dataops-job-status');
    await expect(status).toHaveText('no runs yet', { timeout: 30000 });
    await expect(toolbarItem(page, 'dataops-toolbar-convert')).toBeHidden();
    await expect(
      toolbarItem(page, 'dataops-toolbar-run-arguments')
    ).toBeVisible();
    // The embedded control service takes deploys.
    await expect(toolbarItem(page, 'dataops-toolbar-deploy')).toBeVisible();

    await startRun(page, 'dataops-toolbar-run', async () =>
      ['active', 'succeeded'].includes(
        (await status.getAttribute('data-status')) ?? ''
      )
    );
    await expect(status).toHaveAttribute('data-status', 'succeeded', {
      timeout: 90000
    });
    await expect(status).toHaveText(/^last run: succeeded /);
    await screenshotBothThemes(page, 'job-toolbar-succeeded');
  });
});
