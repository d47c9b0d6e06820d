import { expect, test } from '@jupyterlab/galata';

import { deployFromSidebar } from './helpers';

const SCREENSHOTS = 'screenshots';

test.describe('Data Jobs sidebar: deployments', () => {
  test('deploys products, executes it and shows the log', async ({ page }) => {
    // Deploy, a papermill execution and the log on a busy machine.
    test.setTimeout(300 * 1000);

    await page.sidebar.openTab('dataops-sidebar');
    const sidebar = page.locator('#dataops-sidebar');
    const job = sidebar.locator('.dataops-job[data-job="products"]');
    const deploy = job.getByRole('button', { name: 'Deploy products' });
    await expect(deploy).toBeVisible({ timeout: 60000 });
    await expect(deploy).toHaveClass(/dataops-deploy-button/);
    const state = job.locator('.dataops-job-deployment');
    await expect(state).toHaveAttribute(
      'data-state',
      /^(not-deployed|deployed)$/,
      { timeout: 30000 }
    );
    const firstDeploy =
      (await state.getAttribute('data-state')) === 'not-deployed';
    await expect(
      sidebar.locator('.dataops-deployments-section .dataops-control-status')
    ).toContainText('control service', { timeout: 30000 });
    await page.screenshot({ path: `${SCREENSHOTS}/deploy-1-before.png` });

    // Deploy: the server zips the job folder and the service checks it.
    const before = firstDeploy
      ? null
      : await job.locator('.dataops-job-deployed-version').textContent();
    await deployFromSidebar(page, job, 'products', 'first from the sidebar');
    const version = job.locator('.dataops-job-deployed-version');
    await expect(state).toHaveAttribute('data-state', 'deployed', {
      timeout: 120000
    });
    if (firstDeploy) {
      await expect(version).toHaveText('v1');
    } else {
      await expect(version).toHaveText(/^v\d+$/);
      await expect(version).not.toHaveText(before ?? '', { timeout: 30000 });
    }
    const deployedVersion = await version.textContent();
    await expect(deploy).toBeEnabled();
    await expect(deploy).toHaveText('Deploy');

    // The Deployments section lists it with its version and schedule.
    const deployed = sidebar.locator(
      '.dataops-deployment[data-job="products"]'
    );
    await expect(deployed.locator('.dataops-deployment-version')).toHaveText(
      deployedVersion ?? '',
      { timeout: 30000 }
    );
    const toggle = deployed.getByRole('switch', {
      name: 'Schedule of products'
    });
    await expect(toggle).toBeEnabled();
    await expect(
      deployed.locator('.dataops-deployment-schedule-text')
    ).toContainText('0 * * * * (UTC)');
    await page.screenshot({ path: `${SCREENSHOTS}/deploy-2-deployed.png` });

    // Pause the hourly schedule so that only the execution started here runs.
    if ((await toggle.getAttribute('aria-checked')) === 'true') {
      await expect(job.locator('.dataops-job-schedule-state')).toHaveText(
        'schedule on'
      );
      await toggle.click();
    }
    await expect(toggle).toHaveAttribute('aria-checked', 'false', {
      timeout: 30000
    });
    await expect(job.locator('.dataops-job-schedule-state')).toHaveText(
      'schedule off'
    );
    await expect(
      deployed.locator('.dataops-deployment-schedule-text')
    ).toContainText('paused');

    // Execute: the new execution is the newest one, shown first.
    const executions = deployed.locator('.dataops-execution');
    const known = await executions.evaluateAll(items =>
      items.map(item => item.getAttribute('data-execution-id'))
    );
    await deployed
      .getByRole('button', { name: 'Execute products', exact: true })
      .click();
    const newest = executions.first();
    await expect
      .poll(() => newest.getAttribute('data-execution-id'), { timeout: 30000 })
      .not.toBe(known[0] ?? null);
    const executionId = (await newest.getAttribute('data-execution-id'))!;
    expect(known).not.toContain(executionId);
    await expect(newest).toHaveAttribute('data-trigger', 'manual');
    const badge = newest.locator('.dataops-execution-badge');
    await expect(badge).toHaveAttribute(
      'data-status',
      /^(submitted|running|succeeded)$/
    );
    await page.screenshot({ path: `${SCREENSHOTS}/deploy-3-executing.png` });

    await expect(badge).toHaveAttribute('data-status', 'succeeded', {
      timeout: 90000
    });
    await expect(badge).toHaveText('succeeded');
    await expect(newest.locator('.dataops-cancel-button')).toHaveCount(0);
    await expect(newest.locator('.dataops-execution-failed-step')).toHaveCount(
      0
    );
    await page.screenshot({ path: `${SCREENSHOTS}/deploy-4-succeeded.png` });

    // The log opens in the main area and shows the steps' output.
    await newest
      .getByRole('button', { name: `Open log of execution ${executionId}` })
      .click();
    const viewer = page.locator('#jp-main-dock-panel .dataops-log-viewer');
    await expect(viewer).toBeVisible({ timeout: 30000 });
    await expect(viewer.locator('.dataops-log-title')).toHaveText(
      `products · execution ${executionId}`
    );
    const text = viewer.locator('.dataops-log-text');
    await expect(text).toContainText('[ingest-current]', { timeout: 60000 });
    await expect(text).toContainText(/rows into shop\.current_products/);
    await expect(text).toContainText('[report]');
    await expect(viewer.locator('.dataops-log-state')).toHaveAttribute(
      'data-state',
      'complete',
      { timeout: 60000 }
    );
    await expect(viewer.locator('.dataops-log-state')).toHaveText(
      'Ended: succeeded'
    );
    expect(
      await text.evaluate(node => getComputedStyle(node).fontFamily)
    ).toMatch(/mono/i);
    await page.screenshot({ path: `${SCREENSHOTS}/deploy-5-log.png` });
  });
});

test.describe('Data Jobs sidebar: versions', () => {
  test('rolls back to an earlier deployed version', async ({ page }) => {
    test.setTimeout(300 * 1000);
    await page.sidebar.openTab('dataops-sidebar');
    const sidebar = page.locator('#dataops-sidebar');
    const job = sidebar.locator('.dataops-job[data-job="products"]');
    const version = job.locator('.dataops-job-deployed-version');
    const deployOnce = (): Promise<number> =>
      deployFromSidebar(page, job, 'products');
    const first = await deployOnce();
    const second = await deployOnce();
    expect(second).toBe(first + 1);

    const deployed = sidebar.locator(
      '.dataops-deployment[data-job="products"]'
    );
    const active = deployed.getByRole('button', {
      name: 'Versions of products'
    });
    await expect(active).toHaveText(`v${second}`, { timeout: 30000 });
    await active.click();
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog).toContainText('Versions of products');
    const select = dialog.getByLabel('Version that runs');
    await expect(select).toHaveValue(String(second));
    await select.selectOption(String(first));
    await page.screenshot({ path: `${SCREENSHOTS}/rollback-1-dialog.png` });
    await dialog.getByRole('button', { name: 'Activate' }).click();

    await expect(active).toHaveText(`v${first}`, { timeout: 30000 });
    await expect(version).toHaveText(`v${first}`, { timeout: 30000 });
    await page.screenshot({ path: `${SCREENSHOTS}/rollback-2-done.png` });
  });
});

test.describe('Data Jobs sidebar: properties and secrets', () => {
  test('edits the properties and secrets of a deployed job', async ({
    page
  }) => {
    test.setTimeout(300 * 1000);
    await page.sidebar.openTab('dataops-sidebar');
    const sidebar = page.locator('#dataops-sidebar');
    const job = sidebar.locator('.dataops-job[data-job="products"]');
    const state = job.locator('.dataops-job-deployment');
    await expect(state).toHaveAttribute(
      'data-state',
      /^(not-deployed|deployed)$/,
      { timeout: 60000 }
    );
    if ((await state.getAttribute('data-state')) === 'not-deployed') {
      await deployFromSidebar(page, job, 'products');
    }
    const settings = sidebar.getByRole('button', {
      name: 'Properties and secrets of products'
    });
    const dialog = page.locator('.jp-Dialog');
    const properties = dialog.getByLabel('Properties');

    await settings.click();
    await expect(dialog).toContainText('Properties and secrets of products');
    await properties.fill('{"threshold": 5}');
    await dialog.getByLabel('Secret name').fill('API_KEY');
    await dialog.getByLabel('Secret value').fill('s3cr3t-value');
    await page.screenshot({ path: `${SCREENSHOTS}/settings-1-edit.png` });
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect(dialog).toHaveCount(0);

    // Saved: the property is back, the secret is listed by name only.
    await settings.click();
    await expect(properties).toHaveValue(/"threshold": 5/);
    await expect(dialog.locator('[data-secret="API_KEY"]')).toBeVisible();
    await expect(dialog.getByLabel('Secret value')).toHaveValue('');
    expect(await page.content()).not.toContain('s3cr3t-value');

    // Text that is no JSON object is refused, and what was typed is kept.
    await properties.fill('{"threshold": ');
    await dialog.getByRole('button', { name: 'Save' }).click();
    const refused = page.locator('.jp-Dialog', {
      hasText: 'Properties not saved'
    });
    await expect(refused).toContainText('not valid JSON');
    await refused.getByRole('button', { name: 'Close' }).click();
    await expect(properties).toHaveValue('{"threshold": ');

    // A secret is deleted at once.
    await dialog.getByRole('button', { name: 'Delete secret API_KEY' }).click();
    await expect(dialog.getByRole('status')).toHaveText(
      'Deleted the secret API_KEY.'
    );
    await page.screenshot({ path: `${SCREENSHOTS}/settings-2-deleted.png` });
    await dialog.getByRole('button', { name: 'Cancel' }).click();

    await settings.click();
    await expect(properties).toHaveValue(/"threshold": 5/);
    await expect(dialog.locator('[data-secret]')).toHaveCount(0);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
  });
});

test.describe('Data Jobs sidebar: control service errors', () => {
  test('says when no control service is configured', async ({ page }) => {
    await page.route(/\/dataops\/config(\?.*)?$/, async route => {
      const response = await route.fetch();
      const config = await response.json();
      config.features.control_service = false;
      await route.fulfill({ response, json: config });
    });
    await page.sidebar.openTab('dataops-sidebar');
    const sidebar = page.locator('#dataops-sidebar');
    await expect(
      sidebar.locator('.dataops-control-not-configured')
    ).toContainText('The control service is not configured', {
      timeout: 30000
    });
    await expect(
      sidebar.locator('.dataops-job[data-job="products"]')
    ).toBeVisible();
    await expect(sidebar.locator('.dataops-deploy-button')).toHaveCount(0);
    await page.screenshot({
      path: `${SCREENSHOTS}/control-not-configured.png`
    });
  });

  test('shows the service message when an execution cannot start', async ({
    page
  }) => {
    const now = new Date().toISOString();
    const job = {
      team: 'analytics',
      name: 'products',
      description: 'Current and legacy products merged into one list',
      created_at: now,
      updated_at: now,
      active_version: 2,
      enabled: false,
      schedule: { cron: '0 * * * *', timezone: 'UTC' },
      next_runs: [],
      retries: 0,
      retry_delay: 60,
      timeout: 600
    };
    const failed = {
      id: '20240501T100000-failed01',
      team: 'analytics',
      job: 'products',
      version: 2,
      status: 'user_error',
      trigger: 'schedule',
      arguments: {},
      attempt: 1,
      retry_of: null,
      scheduled_for: now,
      created_at: now,
      started_at: now,
      finished_at: now,
      message: null,
      steps: [],
      error: {
        step: 'all-products',
        notebook: 'products.ipynb',
        cell_index: 6,
        cell_id: 'c6',
        ename: 'CatalogException',
        evalue: 'Table shop.legacy_products does not exist',
        traceback: ''
      }
    };
    // A control service with one deployed job whose last run failed, and
    // that refuses a new execution.
    await page.route(/\/dataops\/control\/.*/, async route => {
      const url = new URL(route.request().url());
      const method = route.request().method();
      const path = url.pathname.replace(/^.*\/dataops\/control\//, '');
      if (method === 'GET' && path === 'jobs') {
        return route.fulfill({ json: { jobs: [{ ...job, next_runs: [] }] } });
      }
      if (method === 'GET' && path === 'jobs/products') {
        return route.fulfill({ json: job });
      }
      if (method === 'GET' && path === 'jobs/products/executions') {
        return route.fulfill({
          json: { executions: [failed], next_cursor: null }
        });
      }
      if (method === 'POST' && path === 'jobs/products/executions') {
        return route.fulfill({
          status: 409,
          json: {
            error: 'conflict',
            message: 'An execution of products is already in progress.'
          }
        });
      }
      return route.continue();
    });

    await page.sidebar.openTab('dataops-sidebar');
    const deployed = page.locator(
      '#dataops-sidebar .dataops-deployment[data-job="products"]'
    );
    const execution = deployed.locator('.dataops-execution').first();
    await expect(execution.locator('.dataops-execution-badge')).toHaveAttribute(
      'data-status',
      'user_error',
      { timeout: 30000 }
    );
    await expect(execution.locator('.dataops-execution-badge')).toHaveText(
      'user error'
    );
    const failedStep = execution.locator('.dataops-execution-failed-step');
    await expect(failedStep).toContainText(
      'Failed in step all-products: CatalogException'
    );
    await expect(
      failedStep.getByRole('button', {
        name: 'Go to the cell of step all-products'
      })
    ).toBeVisible();

    await deployed
      .getByRole('button', { name: 'Execute products', exact: true })
      .click();
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog).toBeVisible({ timeout: 30000 });
    await expect(dialog).toContainText('Cannot execute products');
    await expect(dialog).toContainText(
      'An execution of products is already in progress.'
    );
    await page.screenshot({ path: `${SCREENSHOTS}/execute-conflict.png` });
    await dialog.locator('.jp-Dialog-footer button').last().click();
    await expect(dialog).toHaveCount(0);
  });
});
