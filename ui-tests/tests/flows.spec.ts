import { expect, test } from '@jupyterlab/galata';

import {
  codeCell,
  deployFromSidebar,
  jobRow,
  screenshotBothThemes,
  uploadJob
} from './helpers';

test.describe('Data Jobs sidebar: what a run did', () => {
  test('shows a failed step’s message and opens the output notebook', async ({
    page
  }) => {
    await uploadJob(page, 'mart', [
      codeCell('load-cell', ['step:load'], 'rows = 3\nprint("loaded", rows)'),
      codeCell(
        'build-cell',
        ['step:build'],
        'raise ValueError("Catalog Error: Table with name all_products does not exist!\\n' +
          'Did you mean \\"products\\"?")'
      )
    ]);
    const job = await jobRow(page, 'mart');
    await job.getByRole('button', { name: 'Run mart', exact: true }).click();

    const failed = job.locator('.dataops-run-failed-step').first();
    await expect(failed.locator('.dataops-failed-step-line')).toContainText(
      'Failed in step build: ValueError: Catalog Error: Table with name all_products does not exist!',
      { timeout: 60000 }
    );
    await expect(failed.locator('.dataops-failed-step-message')).toHaveCount(0);
    await failed
      .getByRole('button', { name: 'Show all of the error of step build' })
      .click();
    await expect(failed.locator('.dataops-failed-step-message')).toContainText(
      'Did you mean "products"?'
    );
    await screenshotBothThemes(page, 'failed-step-message');

    // The output notebook: each cell with what it printed, read-only.
    const run = job.locator('.dataops-run').first();
    const runId = (await run.getAttribute('data-run-id'))!;
    await run
      .getByRole('button', { name: `Open output of run ${runId}` })
      .click();
    const output = page.locator('#jp-main-dock-panel .dataops-output-notebook');
    await expect(output.locator('.dataops-output-title')).toHaveText(
      `mart · run ${runId}`
    );
    await expect(
      page
        .getByRole('main')
        .getByRole('tab', { name: `mart · ${runId.split('-')[1]} output` })
    ).toBeVisible();
    const load = output.locator('.dataops-output-cell[data-step="load"]');
    await expect(load.locator('.dataops-output-outputs')).toContainText(
      'loaded 3'
    );
    const build = output.locator('.dataops-output-cell[data-step="build"]');
    await expect(build.locator('.dataops-output-outputs')).toContainText(
      'ValueError'
    );
    await expect(output.locator('textarea, .cm-editor')).toHaveCount(0);
    await screenshotBothThemes(page, 'run-output-failed');
  });

  test('opens the output notebook of a products run with its report', async ({
    page
  }) => {
    const job = await jobRow(page, 'products');
    const runs = job.locator('.dataops-run');
    // Earlier specs may have run products: wait for this run, not the newest of before.
    const before =
      (await runs.count()) > 0
        ? await runs.first().getAttribute('data-run-id')
        : null;
    await job
      .getByRole('button', { name: 'Run products', exact: true })
      .click();
    await expect
      .poll(() => runs.first().getAttribute('data-run-id'), { timeout: 30000 })
      .not.toBe(before);
    const runId = (await runs.first().getAttribute('data-run-id'))!;
    const run = job.locator(`.dataops-run[data-run-id="${runId}"]`);
    await expect(run.locator('.dataops-run-badge')).toHaveAttribute(
      'data-status',
      'succeeded',
      { timeout: 90000 }
    );
    await run
      .getByRole('button', { name: `Open output of run ${runId}` })
      .click();
    const report = page.locator(
      '#jp-main-dock-panel .dataops-output-cell[data-step="report"]'
    );
    await expect(report.locator('table')).toContainText('avg_price', {
      timeout: 30000
    });
    await screenshotBothThemes(page, 'run-output-report');
  });
});

test.describe('Data Jobs sidebar: a second run', () => {
  test('asks before starting a second run of a job', async ({ page }) => {
    await uploadJob(page, 'sleepy', [
      codeCell('nap', ['step:nap'], 'import time\ntime.sleep(120)')
    ]);
    const job = await jobRow(page, 'sleepy');
    const run = job.getByRole('button', { name: 'Run sleepy', exact: true });
    const runs = job.locator('.dataops-run');
    await run.click();
    await expect(runs.first()).toHaveAttribute(
      'data-status',
      /queued|running/,
      {
        timeout: 30000
      }
    );

    await run.click();
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog).toContainText('sleepy is already running');
    await expect(dialog).toContainText('Start another run of sleepy now?');
    await screenshotBothThemes(page, 'second-run-dialog');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(page.locator('.jp-Dialog')).toHaveCount(0);
    await expect(runs).toHaveCount(1);

    await run.click();
    await page
      .locator('.jp-Dialog')
      .getByRole('button', { name: 'Start another run' })
      .click();
    await expect(runs).toHaveCount(2, { timeout: 30000 });
    await expect(job.locator('.dataops-cancel-button')).toHaveCount(2);

    for (let i = 0; i < 2; i++) {
      await job.locator('.dataops-cancel-button').first().click();
      await expect(job.locator('.dataops-cancel-button')).toHaveCount(1 - i, {
        timeout: 30000
      });
    }
  });
});

test.describe('Data Jobs sidebar: deploy and delete', () => {
  test('deploys with a reason, again anyway, executes, opens the output and deletes', async ({
    page
  }) => {
    test.setTimeout(300 * 1000);
    await uploadJob(page, 'tiny', [
      codeCell('say', ['step:say'], 'print("tiny says", 6 * 7)')
    ]);
    const job = await jobRow(page, 'tiny');
    const first = await deployFromSidebar(page, job, 'tiny', 'first version');

    // Unchanged since the latest version: the service says so, and the
    // user deploys anyway.
    let refused = 0;
    const deployments = /\/dataops\/control\/jobs\/tiny\/deployments(\?.*)?$/;
    await page.route(deployments, route => {
      const request = route.request();
      if (request.method() === 'POST' && !request.postDataJSON()?.force) {
        refused++;
        return route.fulfill({
          status: 409,
          contentType: 'application/json',
          body: JSON.stringify({
            error: 'conflict',
            message: `tiny did not change since v${first}`
          })
        });
      }
      return route.continue();
    });
    await job.getByRole('button', { name: 'Deploy tiny' }).click();
    let dialog = page.locator('.jp-Dialog');
    await dialog.getByLabel('Reason').fill('same again');
    await dialog.getByRole('button', { name: 'Deploy', exact: true }).click();
    dialog = page.locator('.jp-Dialog');
    await expect(dialog).toContainText('Deploy tiny anyway?');
    await expect(dialog).toContainText(`tiny did not change since v${first}`);
    await screenshotBothThemes(page, 'deploy-anyway-dialog');
    await dialog.getByRole('button', { name: 'Deploy anyway' }).click();
    await expect(job.locator('.dataops-job-deployed-version')).toHaveText(
      `v${first + 1}`,
      { timeout: 120000 }
    );
    expect(refused).toBe(1);
    await page.unroute(deployments);

    // Execute it, then open the execution's output notebook.
    const sidebar = page.locator('#dataops-sidebar');
    const deployed = sidebar.locator('.dataops-deployment[data-job="tiny"]');
    await deployed
      .getByRole('button', { name: 'Execute tiny', exact: true })
      .click();
    const execution = deployed.locator('.dataops-execution').first();
    await expect(execution).toHaveAttribute('data-status', 'succeeded', {
      timeout: 120000
    });
    const executionId = (await execution.getAttribute('data-execution-id'))!;
    await execution
      .getByRole('button', { name: `Open output of execution ${executionId}` })
      .click();
    const output = page.locator('#jp-main-dock-panel .dataops-output-notebook');
    await expect(output.locator('.dataops-output-title')).toHaveText(
      `tiny · execution ${executionId}`
    );
    await expect(
      output.locator('.dataops-output-cell[data-step="say"]')
    ).toContainText('tiny says 42', { timeout: 30000 });
    await screenshotBothThemes(page, 'execution-output');

    // Delete it from the control service, after confirming.
    await deployed
      .getByRole('button', { name: 'Delete tiny from the control service' })
      .click();
    dialog = page.locator('.jp-Dialog');
    await expect(dialog).toContainText('Delete tiny?');
    await screenshotBothThemes(page, 'delete-job-dialog');
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await expect(deployed).toHaveCount(0, { timeout: 30000 });
    await expect(job.locator('.dataops-job-deployment')).toHaveAttribute(
      'data-state',
      'not-deployed'
    );
  });
});

test.describe('Data Jobs sidebar: unsaved changes and reloads', () => {
  test('saves before running, and restores the log tab after a reload', async ({
    page
  }) => {
    await uploadJob(page, 'quick', [
      codeCell('say', ['step:say'], 'print("value", 1)')
    ]);
    await page.evaluate(() =>
      (window as any).jupyterapp.commands.execute('docmanager:open', {
        path: 'quick/quick.ipynb'
      })
    );
    const editor = page
      .locator('.jp-NotebookPanel:visible .jp-Cell .cm-content')
      .first();
    await editor.click();
    await page.keyboard.press('End');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.type(' + 1');
    await expect(
      page.getByRole('main').getByRole('tab', { name: /quick\.ipynb/ })
    ).toHaveClass(/jp-mod-dirty/);

    const job = await jobRow(page, 'quick');
    const run = job.getByRole('button', { name: 'Run quick', exact: true });
    await run.click();
    let dialog = page.locator('.jp-Dialog');
    await expect(dialog).toContainText('quick has unsaved changes');
    await expect(dialog).toContainText(
      'quick.ipynb has changes that are not saved'
    );
    await screenshotBothThemes(page, 'unsaved-changes-dialog');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(job.locator('.dataops-run')).toHaveCount(0);

    await run.click();
    dialog = page.locator('.jp-Dialog');
    await dialog.getByRole('button', { name: 'Save and run' }).click();
    const newest = job.locator('.dataops-run').first();
    await expect(newest).toHaveAttribute('data-status', 'succeeded', {
      timeout: 60000
    });
    await expect(
      page.getByRole('main').getByRole('tab', { name: /quick\.ipynb/ })
    ).not.toHaveClass(/jp-mod-dirty/);

    const runId = (await newest.getAttribute('data-run-id'))!;
    await newest
      .getByRole('button', { name: `Open log of run ${runId}` })
      .click();
    const viewer = page.locator('#jp-main-dock-panel .dataops-log-viewer');
    await expect(viewer.locator('.dataops-log-text')).toContainText('value 2');
    const tab = page
      .getByRole('main')
      .getByRole('tab', { name: `quick · ${runId.split('-')[1]}` });
    await expect(tab).toBeVisible();

    // After a reload the log tab is back, with its log (once the layout is saved).
    await expect
      .poll(() =>
        page.evaluate(async () => {
          const response = await fetch('/lab/api/workspaces/default');
          return response.text();
        })
      )
      .toContain(`dataops-open-run-log:quick/${runId}`);
    // (Galata's own wait expects the Launcher in front: here the log is.)
    await (
      page as unknown as { reload(options: object): Promise<unknown> }
    ).reload({ waitForIsReady: false });
    await page.locator('#jupyterlab-splash').waitFor({ state: 'detached' });
    await expect(tab).toBeVisible({ timeout: 30000 });
    await tab.click();
    await expect(
      page.locator('#jp-main-dock-panel .dataops-log-viewer .dataops-log-text')
    ).toContainText('value 2', { timeout: 30000 });
    await screenshotBothThemes(page, 'restored-log-tab');
  });
});

test.describe('Data Jobs sidebar: history', () => {
  test('shows older runs on demand', async ({ page }) => {
    await uploadJob(page, 'history', [
      codeCell('say', ['step:say'], 'print("hi")')
    ]);
    // Twelve ended runs of the job, newest first, as the server lists them.
    const runs = Array.from({ length: 12 }, (_, i) => {
      const created = new Date(Date.now() - (i + 1) * 3600 * 1000);
      const id = `20250101T${String(100000 + i).slice(-6)}-0000${String(10 + i)}ab`;
      return {
        run_id: id,
        job: 'history',
        path: 'history',
        arguments: {},
        status: 'succeeded',
        created_at: created.toISOString(),
        started_at: created.toISOString(),
        finished_at: created.toISOString(),
        duration: 1,
        steps: [],
        error: null,
        message: null
      };
    });
    // The sidebar's poll brings the newest runs of every job with the jobs.
    await page.route(/\/dataops\/jobs\?runs=(\d+)/, async route => {
      const response = await route.fetch();
      const body = await response.json();
      const count = Number(/runs=(\d+)/.exec(route.request().url())![1]);
      body.runs = { ...(body.runs ?? {}), history: runs.slice(0, count) };
      return route.fulfill({ response, json: body });
    });
    // "Show older runs" asks for more of them.
    await page.route(/\/dataops\/runs\?job=history&limit=(\d+)/, route => {
      const limit = Number(/limit=(\d+)/.exec(route.request().url())![1]);
      return route.fulfill({
        status: 200,
        contentType: 'application/json',
        body: JSON.stringify({ runs: runs.slice(0, limit) })
      });
    });
    const job = await jobRow(page, 'history');
    const items = job.locator('.dataops-run');
    await expect(items).toHaveCount(5, { timeout: 30000 });
    await expect(items.first().locator('.dataops-run-time')).toHaveText(
      '1 hour ago'
    );
    await job
      .getByRole('button', { name: 'Show older runs of history' })
      .click();
    await expect(items).toHaveCount(12);
    await expect(
      job.getByRole('button', { name: 'Show older runs of history' })
    ).toHaveCount(0);
    await screenshotBothThemes(page, 'run-history-more');
  });
});
