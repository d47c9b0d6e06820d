import { IJupyterLabPageFixture, expect, test } from '@jupyterlab/galata';
import { Locator } from '@playwright/test';

import {
  SCREENSHOTS,
  codeCell,
  deployFromSidebar,
  jobRow,
  uploadJob
} from './helpers';

const JOB = 'job-view-demo';

const CELLS = [
  codeCell('p', ['parameters'], 'fail = False'),
  codeCell(
    'e',
    ['step:extract'],
    "# read the orders\nimport time\ntime.sleep(0.6)\nprint('extract')"
  ),
  codeCell(
    'l',
    ['step:load'],
    "if fail:\n    raise ValueError('asked to fail')\ntime.sleep(0.3)\nprint('load')"
  )
];

/** Run a Data Jobs command in the page, as a click would. */
async function execute(
  page: IJupyterLabPageFixture,
  command: string,
  args: Record<string, unknown>
): Promise<void> {
  await page.evaluate(
    ({ command, args }) =>
      (window as any).jupyterapp.commands.execute(command, args),
    { command, args }
  );
}

/** Wait until the view lists `count` rows and none is in progress. */
async function waitForRows(view: Locator, count: number): Promise<void> {
  const rows = view.locator('.dataops-job-view-row');
  await expect(rows).toHaveCount(count, { timeout: 60000 });
  await expect(
    rows.and(
      view.locator(
        '[data-status="queued"], [data-status="running"], [data-status="submitted"]'
      )
    )
  ).toHaveCount(0, { timeout: 90000 });
}

test.describe('Job view', () => {
  // Tall enough for the whole view in the screenshots.
  test.use({ viewport: { width: 1280, height: 1200 } });

  test('shows a job’s steps, its runs and executions, and their charts', async ({
    page
  }) => {
    await uploadJob(page, JOB, CELLS);
    const row = await jobRow(page, JOB);
    await row.getByRole('button', { name: JOB, exact: true }).click();

    const view = page.locator('#jp-main-dock-panel .dataops-job-view');
    await expect(view.locator('.dataops-job-view-title')).toHaveText(JOB);
    const steps = view.locator('.dataops-job-view-step');
    await expect(steps).toHaveCount(2);
    await expect(steps.nth(0)).toContainText('extract');
    await expect(steps.nth(0)).toContainText('# read the orders');
    await expect(steps.nth(1)).toContainText('if fail:');
    await expect(view.locator('.dataops-job-view-note')).toContainText(
      'Not deployed'
    );

    // Three local runs, the second one failing.
    let count = 0;
    for (const fail of [false, true, false]) {
      await execute(page, 'dataops:run-job', {
        name: JOB,
        arguments: { fail }
      });
      await waitForRows(view, ++count);
    }
    // And one execution on the (embedded) control service.
    await deployFromSidebar(page, row, JOB, 'job view');
    await expect(view.locator('.dataops-job-view-note')).toHaveCount(0, {
      timeout: 30000
    });
    await execute(page, 'dataops:execute-job', { name: JOB });
    await waitForRows(view, ++count);

    const rows = view.locator('.dataops-job-view-row');
    await expect(rows.nth(0)).toHaveAttribute('data-kind', 'execution');
    await expect(rows.nth(0)).toHaveAttribute('data-status', 'succeeded');
    expect(
      await rows.evaluateAll(items =>
        items.map(item => [item.dataset.kind, item.dataset.status])
      )
    ).toEqual([
      ['execution', 'succeeded'],
      ['run', 'succeeded'],
      ['run', 'failed'],
      ['run', 'succeeded']
    ]);
    await expect(
      rows.nth(2).locator('.dataops-job-view-failed-step')
    ).toHaveText('load');

    // The durations chart: one bar per run and execution, by JupyterLab's Vega.
    const durations = view.locator('.dataops-job-view-durations');
    await expect(durations.locator('.vega-embed svg')).toBeVisible({
      timeout: 30000
    });
    const bars = durations.locator('[aria-roledescription="bar"]');
    await expect(bars).toHaveCount(4);

    // Only the failed ones.
    await view
      .locator('.dataops-job-view-filter select')
      .selectOption('failed');
    await expect(rows).toHaveCount(1);
    await expect(rows.first()).toHaveAttribute('data-status', 'failed');
    await expect(bars).toHaveCount(1);
    await view.locator('.dataops-job-view-filter select').selectOption('all');
    await expect(rows).toHaveCount(4);

    // A click on a run shows its steps over time.
    await rows.nth(2).click();
    await expect(rows.nth(2)).toHaveAttribute('aria-selected', 'true');
    const timeline = view.locator('.dataops-job-view-timeline');
    await expect(timeline.locator('.vega-embed svg')).toBeVisible({
      timeout: 30000
    });
    await expect(timeline.locator('[aria-roledescription="bar"]')).toHaveCount(
      2
    );
    const runId = await rows.nth(2).getAttribute('data-id');
    await expect(view.locator('.dataops-job-view-steps-of h3')).toHaveText(
      `Steps of local run ${runId}`
    );

    // A click on a bar selects its run or execution.
    await bars.first().click();
    const oldest = await rows.nth(3).getAttribute('data-id');
    await expect(view.locator('.dataops-job-view-steps-of h3')).toHaveText(
      `Steps of local run ${oldest}`
    );
    await expect(rows.nth(3)).toHaveAttribute('aria-selected', 'true');

    // The row's log button opens the log.
    await rows.nth(0).locator('.dataops-job-view-log').click();
    await expect(
      page.locator('#jp-main-dock-panel .dataops-log-viewer').last()
    ).toBeVisible();
    await page.locator(`.lm-TabBar-tab[title^="Data job ${JOB}"]`).click();
    await expect(view).toBeVisible();

    await page.mouse.move(0, 0);
    await page.screenshot({ path: `${SCREENSHOTS}/job-view-light.png` });
    await page.theme.setDarkTheme();
    // The charts are drawn again in the dark theme's colours.
    await expect(durations.locator('.vega-embed svg')).toBeVisible();
    await page.waitForTimeout(1000);
    await page.screenshot({ path: `${SCREENSHOTS}/job-view-dark.png` });
    await page.theme.setLightTheme();

    // The view comes back after a reload (in front: not the launcher, which
    // is what Galata's readiness check waits for).
    await page.reload({ waitForIsReady: false });
    await expect(view.locator('.dataops-job-view-title')).toHaveText(JOB, {
      timeout: 30000
    });
    await expect(rows).toHaveCount(4, { timeout: 30000 });
  });
});
