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

// Wide enough for the notebook toolbar to show every item.
test.use({ viewport: { width: 1600, height: 900 } });

/** The role row (badge, status, error) of the cell at `index` of the open notebook. */
function role(page: IJupyterLabPageFixture, index: number): Locator {
  return page
    .locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell')
    .nth(index)
    .locator('.dataops-cell-role');
}

/** The status of the step cell at `index` in the run the cells show. */
function status(page: IJupyterLabPageFixture, index: number): Locator {
  return role(page, index).locator('.dataops-cell-status');
}

test.describe('Run status on the cells', () => {
  test('runs with arguments, fails, picks an older run and an execution', async ({
    page
  }) => {
    const name = `cells-${RUN}`;
    await uploadJob(page, name, [
      codeCell('c-params', ['parameters'], 'rows = 3'),
      codeCell('c-setup', ['step:setup'], '%load_ext kernel_magics'),
      codeCell(
        'c-load',
        ['step:load'],
        `job.ingest([{'id': i} for i in range(rows)], 'raw.cells_${RUN}')`
      ),
      codeCell('c-check', ['step:check'], 'print("checked", rows)'),
      codeCell('c-scratch', [], 'peek = 1')
    ]);
    await page.notebook.openByPath(`${name}/${name}.ipynb`);
    await expect(role(page, 2)).toContainText('Step 2 · load', {
      timeout: 30000
    });
    // No run yet: the picker only offers "Latest", the cells show no status.
    const picker = toolbarItem(page, 'dataops-run-picker').locator('select');
    await expect(picker).toBeVisible();
    await expect(picker.locator('option')).toHaveText(['Latest']);
    await expect(status(page, 2)).toBeHidden();

    // Run with arguments from the toolbar: 1000 rows.
    await startRun(page, 'dataops-toolbar-run-arguments', async () =>
      page.locator('.jp-Dialog').getByLabel('rows').isVisible()
    );
    const dialog = page.locator('.jp-Dialog');
    await dialog.getByLabel('rows').fill('1000');
    await dialog.getByRole('button', { name: 'Run' }).click();
    await expect(dialog).toHaveCount(0);

    // The cells follow the run, step by step, and end succeeded.
    for (const index of [1, 2, 3]) {
      await expect(status(page, index)).toHaveAttribute(
        'data-status',
        'succeeded',
        { timeout: 90000 }
      );
    }
    const load = status(page, 2);
    await expect(load.locator('.dataops-cell-status-label')).toHaveText(
      'succeeded'
    );
    await expect(load.locator('.dataops-cell-status-rows')).toHaveText(
      '1,000 rows'
    );
    await expect(load.locator('.dataops-cell-status-duration')).toHaveText(
      /^\d+(\.\d)? s$/
    );
    await expect(
      status(page, 3).locator('.dataops-cell-status-rows')
    ).toHaveCount(0);
    // Parameters and scratch cells get no status.
    await expect(status(page, 0)).toBeHidden();
    await expect(status(page, 4)).toBeHidden();
    await expect(toolbarItem(page, 'dataops-job-status')).toHaveAttribute(
      'data-status',
      'succeeded'
    );
    await expect(picker.locator('option')).toHaveCount(2);
    await expect(picker.locator('option').nth(1)).toHaveText(
      /^Run \d\d:\d\d · succeeded$/
    );
    await screenshotBothThemes(page, 'cell-status-succeeded');

    // Make the check fail: the cell raises, the notebook is saved, the job runs.
    await page.notebook.setCell(
      3,
      'code',
      'raise ValueError("the check found 2 bad rows\\nsee the table")'
    );
    await page.notebook.save();
    await startRun(
      page,
      'dataops-toolbar-run',
      async () => (await picker.locator('option').count()) === 3
    );
    await expect(status(page, 3)).toHaveAttribute('data-status', 'failed', {
      timeout: 90000
    });
    await expect(status(page, 2)).toHaveAttribute('data-status', 'succeeded');
    await expect(
      status(page, 2).locator('.dataops-cell-status-rows')
    ).toHaveText('3 rows');
    await expect(toolbarItem(page, 'dataops-job-status')).toHaveAttribute(
      'data-status',
      'failed',
      { timeout: 30000 }
    );
    const error = role(page, 3).locator('.dataops-cell-error');
    await expect(error).toBeVisible();
    await expect(error.locator('.dataops-cell-error-text')).toHaveText(
      'ValueError: the check found 2 bad rows'
    );
    // Other cells show no error line.
    await expect(role(page, 2).locator('.dataops-cell-error')).toBeHidden();
    await page.notebook
      .getCellLocator(3)
      .then(cell => cell!.scrollIntoViewIfNeeded());
    await screenshotBothThemes(page, 'cell-status-failed');

    // "Show traceback" opens the run's log, which has the traceback.
    await error.getByRole('button', { name: 'Show traceback' }).click();
    const viewer = page.locator('#jp-main-dock-panel .dataops-log-viewer');
    await expect(viewer.locator('.dataops-log-text')).toContainText(
      'ValueError: the check found 2 bad rows',
      { timeout: 30000 }
    );
    await page.notebook.activate(`${name}.ipynb`);

    // The picker goes back to the first run: the cells show it again.
    const options = picker.locator('option');
    await expect(options).toHaveCount(3);
    await expect(options.nth(1)).toHaveText(/^Run \d\d:\d\d · failed$/);
    const older = await options.nth(2).getAttribute('value');
    await picker.selectOption(older!);
    await expect(status(page, 3)).toHaveAttribute('data-status', 'succeeded');
    await expect(role(page, 3).locator('.dataops-cell-error')).toBeHidden();
    await expect(
      status(page, 2).locator('.dataops-cell-status-rows')
    ).toHaveText('1,000 rows');
    await screenshotBothThemes(page, 'cell-status-picked');
    await picker.selectOption('latest');
    await expect(status(page, 3)).toHaveAttribute('data-status', 'failed');

    // Fixed again, deployed and executed on the control service: the
    // execution is the latest, and the cells show its statuses.
    await page.notebook.setCell(3, 'code', 'print("checked", rows)');
    await page.notebook.save();
    await toolbarItem(page, 'dataops-toolbar-deploy').click();
    const deploy = page.locator('.jp-Dialog');
    await expect(deploy).toContainText(`Deploy ${name}`);
    await deploy.getByRole('button', { name: 'Deploy', exact: true }).click();
    await page.sidebar.openTab('dataops-sidebar');
    const deployed = page.locator(
      `#dataops-sidebar .dataops-deployment[data-job="${name}"]`
    );
    const execute = deployed.getByRole('button', {
      name: `Execute ${name}`,
      exact: true
    });
    await expect(execute).toBeVisible({ timeout: 120000 });
    await execute.click();
    await expect(
      deployed
        .locator('.dataops-execution')
        .first()
        .locator('.dataops-execution-badge')
    ).toHaveAttribute('data-status', 'succeeded', { timeout: 120000 });
    await page.sidebar.close('left');
    await page.notebook.activate(`${name}.ipynb`);
    await expect(options.nth(0)).toHaveText(
      /^Latest: Execution \d\d:\d\d · succeeded$/,
      { timeout: 30000 }
    );
    await expect(options.nth(1)).toHaveText(
      /^Execution \d\d:\d\d · succeeded$/,
      { timeout: 30000 }
    );
    await expect(status(page, 3)).toHaveAttribute('data-status', 'succeeded');
    await expect(
      status(page, 2).locator('.dataops-cell-status-rows')
    ).toHaveText('3 rows');
    await screenshotBothThemes(page, 'cell-status-execution');
  });
});
