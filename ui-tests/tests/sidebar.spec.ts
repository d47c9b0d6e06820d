import { expect, test } from '@jupyterlab/galata';

import {
  codeCell,
  deployFromSidebar,
  jobRow,
  screenshotBothThemes
} from './helpers';

/** Whether an element's text is cut off (ellipsis or overflow). */
async function truncated(locator: import('@playwright/test').Locator) {
  return locator.evaluate(
    element =>
      element.scrollWidth > element.clientWidth ||
      element.scrollHeight > element.clientHeight + 1
  );
}

test.describe('Data Jobs sidebar: sections', () => {
  test('shows the schedule and the failed step in full, with sections that collapse', async ({
    page
  }) => {
    test.setTimeout(300 * 1000);
    const notebook = {
      cells: [
        codeCell(
          'prepare-cell',
          ['step:prepare_weekday_orders'],
          'raise ValueError("the orders export of the warehouse in Buenos Aires is missing today")'
        )
      ],
      metadata: { kernelspec: { name: 'python3', display_name: 'Python 3' } },
      nbformat: 4,
      nbformat_minor: 5
    };
    await page.contents.uploadContent(
      'name = "weekday-orders"\nteam = "analytics"\n\n[schedule]\n' +
        'cron = "30 6 * * 1-5"\ntimezone = "America/Argentina/Buenos_Aires"\n',
      'text',
      'weekday-orders/job.toml'
    );
    await page.contents.uploadContent(
      JSON.stringify(notebook),
      'text',
      'weekday-orders/weekday-orders.ipynb'
    );

    const sidebar = page.locator('#dataops-sidebar');
    const job = await jobRow(page, 'weekday-orders');
    // The sections registered through the sidebar's token, in rank order.
    const titles = sidebar.locator('.jp-AccordionPanel-title');
    await expect(titles).toHaveCount(2);
    const shown = await titles.evaluateAll(nodes =>
      nodes
        .map(node => ({
          top: node.getBoundingClientRect().top,
          text: (node.textContent ?? '').trim()
        }))
        .sort((a, b) => a.top - b.top)
        .map(title => title.text)
    );
    expect(shown).toEqual(['Jobs', 'Deployments']);
    const width = await sidebar.evaluate(element => element.clientWidth);
    expect(width).toBeGreaterThanOrEqual(300);

    await deployFromSidebar(page, job, 'weekday-orders');
    await job
      .getByRole('button', { name: 'Run weekday-orders', exact: true })
      .click();
    const failedLine = job
      .locator('.dataops-run-failed-step .dataops-failed-step-line')
      .first();
    await expect(failedLine).toContainText(
      'Failed in step prepare_weekday_orders: ValueError',
      { timeout: 120000 }
    );
    expect(await truncated(failedLine)).toBe(false);

    const deployed = sidebar.locator(
      '.dataops-deployment[data-job="weekday-orders"]'
    );
    const schedule = deployed.locator('.dataops-deployment-schedule-text');
    await expect(schedule).toContainText(
      '30 6 * * 1-5 (America/Argentina/Buenos_Aires)',
      { timeout: 60000 }
    );
    expect(await truncated(schedule)).toBe(false);
    await failedLine.scrollIntoViewIfNeeded();
    await screenshotBothThemes(page, 'sidebar-sections');

    // A section collapses from its title and opens again.
    const jobsTitle = titles.filter({ hasText: /Jobs/i }).first();
    const jobsSection = sidebar.locator('.dataops-jobs-section');
    await jobsTitle.click();
    await expect(jobsSection).toBeHidden();
    await expect(jobsTitle).toHaveAttribute('aria-expanded', 'false');
    await screenshotBothThemes(page, 'sidebar-jobs-collapsed');
    await jobsTitle.click();
    await expect(jobsSection).toBeVisible();
  });
});
