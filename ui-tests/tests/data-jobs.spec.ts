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

    await job.getByRole('button', { name: 'Run products' }).click();

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
