import { expect, test } from '@jupyterlab/galata';

const SCREENSHOTS = 'screenshots';

test.describe('Data Jobs sidebar', () => {
  test('lists the example job and runs it to success', async ({ page }) => {
    await page.sidebar.openTab('dataops-sidebar');
    const sidebar = page.locator('#dataops-sidebar');
    await expect(sidebar).toBeVisible();

    const job = sidebar.locator('.dataops-job[data-job="products"]');
    await expect(job).toBeVisible();
    await expect(job.locator('.dataops-job-name')).toHaveText('products');
    await expect(job.locator('.dataops-job-steps')).toHaveText(/^\d+ steps?$/);

    const runs = job.locator('.dataops-run');
    const before = await runs.evaluateAll(items =>
      items.map(item => item.getAttribute('data-run-id'))
    );

    await job
      .getByRole('button', { name: 'Run products', exact: true })
      .click();

    // The run the click started is the newest one, shown first.
    const newest = runs.first();
    await expect
      .poll(() => newest.getAttribute('data-run-id'), { timeout: 15000 })
      .not.toBe(before[0] ?? null);
    expect(before).not.toContain(await newest.getAttribute('data-run-id'));

    const badge = newest.locator('.dataops-run-badge');
    await expect(badge).toHaveAttribute(
      'data-status',
      /^(queued|running|succeeded)$/
    );
    await expect(badge).toHaveAttribute('data-status', 'succeeded', {
      timeout: 60000
    });
    await expect(badge).toHaveText('succeeded');
    await expect(newest.locator('.dataops-cancel-button')).toHaveCount(0);

    await page.screenshot({
      path: `${SCREENSHOTS}/products-run-succeeded.png`
    });

    // The run's log opens in the main area with every step's output.
    const runId = await newest.getAttribute('data-run-id');
    await newest
      .getByRole('button', { name: `Open log of run ${runId}` })
      .click();
    const viewer = page.locator('#jp-main-dock-panel .dataops-log-viewer');
    await expect(viewer.locator('.dataops-log-title')).toHaveText(
      `products · run ${runId}`
    );
    const text = viewer.locator('.dataops-log-text');
    await expect(text).toContainText('[ingest-current]');
    await expect(text).toContainText('[report]');
    await expect(viewer.locator('.dataops-log-state')).toHaveText(
      'Ended: succeeded'
    );
    await page.screenshot({ path: `${SCREENSHOTS}/products-run-log.png` });
  });
});

test.describe('Data Jobs sidebar: arguments', () => {
  test('runs with an argument, after a wrong one is refused', async ({
    page
  }) => {
    await page.sidebar.openTab('dataops-sidebar');
    const job = page.locator(
      '#dataops-sidebar .dataops-job[data-job="products"]'
    );
    const withArguments = job.getByRole('button', {
      name: 'Run products with arguments'
    });
    await expect(withArguments).toBeVisible({ timeout: 30000 });

    await withArguments.click();
    let dialog = page.locator('.jp-Dialog');
    await expect(dialog).toContainText('Run products');
    const price = dialog.getByLabel('min_price');
    await expect(price).toHaveValue('0');
    await expect(dialog.getByLabel('schema')).toHaveValue('shop');
    await price.fill('cheap');
    await page.screenshot({ path: `${SCREENSHOTS}/arguments-1-form.png` });
    await dialog.getByRole('button', { name: 'Run' }).click();

    // Refused: the form comes back with the reason and what was typed.
    dialog = page.locator('.jp-Dialog');
    await expect(dialog.locator('.dataops-arguments-error')).toContainText(
      'min_price'
    );
    await expect(dialog.getByLabel('min_price')).toHaveValue('cheap');
    await expect(dialog.getByLabel('schema')).toHaveValue('shop');
    await page.screenshot({ path: `${SCREENSHOTS}/arguments-2-refused.png` });
    await dialog.getByLabel('min_price').fill('5');
    await dialog.getByRole('button', { name: 'Run' }).click();
    const newest = job.locator('.dataops-run').first();
    await expect(newest.locator('.dataops-run-arguments')).toHaveText(
      'min_price=5',
      { timeout: 30000 }
    );
    await expect(newest.locator('.dataops-run-badge')).toHaveAttribute(
      'data-status',
      'succeeded',
      { timeout: 60000 }
    );
    await page.screenshot({ path: `${SCREENSHOTS}/arguments-3-run.png` });

    // Again: a new run with the same arguments.
    const firstId = await newest.getAttribute('data-run-id');
    await newest
      .getByRole('button', { name: `Run again like run ${firstId}` })
      .click();
    await expect
      .poll(() => newest.getAttribute('data-run-id'), { timeout: 30000 })
      .not.toBe(firstId);
    await expect(newest.locator('.dataops-run-arguments')).toHaveText(
      'min_price=5'
    );
    await expect(newest.locator('.dataops-run-badge')).toHaveAttribute(
      'data-status',
      'succeeded',
      { timeout: 60000 }
    );
  });
});

test.describe('Data Jobs sidebar: a failing job', () => {
  test('goes from the failed run to the failing cell', async ({ page }) => {
    const cell = (id: string, tags: string[], source: string) => ({
      cell_type: 'code',
      id,
      metadata: { tags },
      source,
      outputs: [],
      execution_count: null
    });
    const notebook = {
      cells: [
        cell('intro', [], '# scratch work, not a step\nprint("hello")'),
        cell('load-cell', ['step:load'], 'rows = [1, 2, 3]'),
        cell('scratch', [], 'rows'),
        cell('divide-cell', ['step:divide'], 'share = 1 / (len(rows) - 3)')
      ],
      metadata: {
        kernelspec: { name: 'python3', display_name: 'Python 3' }
      },
      nbformat: 4,
      nbformat_minor: 5
    };
    await page.contents.uploadContent(
      'name = "shares"\nteam = "analytics"\n',
      'text',
      'shares/job.toml'
    );
    await page.contents.uploadContent(
      JSON.stringify(notebook),
      'text',
      'shares/shares.ipynb'
    );

    await page.sidebar.openTab('dataops-sidebar');
    const sidebar = page.locator('#dataops-sidebar');
    await sidebar.locator('.dataops-refresh-button').first().click();
    const job = sidebar.locator('.dataops-job[data-job="shares"]');
    await expect(job).toBeVisible({ timeout: 30000 });
    await job.getByRole('button', { name: 'Run shares', exact: true }).click();

    const failed = job.locator('.dataops-run-failed-step').first();
    await expect(failed).toContainText(
      'Failed in step divide: ZeroDivisionError',
      { timeout: 60000 }
    );
    await page.screenshot({ path: `${SCREENSHOTS}/failed-run.png` });

    await failed
      .getByRole('button', { name: 'Go to the cell of step divide' })
      .click();
    const panel = page.locator('.jp-NotebookPanel:visible');
    await expect(
      page.getByRole('main').getByRole('tab', { name: /shares\.ipynb/ })
    ).toHaveAttribute('aria-selected', 'true', { timeout: 30000 });
    const active = panel.locator('.jp-Cell.jp-mod-active');
    await expect(active).toHaveCount(1);
    await expect(active.locator('.jp-InputArea-editor')).toContainText(
      'share = 1 / (len(rows) - 3)'
    );
    await expect(active).toBeInViewport();
    await page.screenshot({ path: `${SCREENSHOTS}/failed-run-cell.png` });
  });
});

test.describe('Data Jobs sidebar with a failing server', () => {
  test('shows the server message', async ({ page }) => {
    await page.route(/\/dataops\/jobs(\?.*)?$/, route =>
      route.fulfill({
        status: 500,
        contentType: 'application/json',
        body: JSON.stringify({
          error: 'internal',
          message: 'The jobs folder cannot be read.'
        })
      })
    );
    await page.sidebar.openTab('dataops-sidebar');
    const error = page.locator('#dataops-sidebar .dataops-error');
    await expect(error).toHaveText(
      'Could not load data jobs: The jobs folder cannot be read.'
    );
    await expect(page.locator('#dataops-sidebar .dataops-job')).toHaveCount(0);

    await page.screenshot({ path: `${SCREENSHOTS}/server-error.png` });
  });
});
