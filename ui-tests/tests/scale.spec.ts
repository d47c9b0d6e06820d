import { IJupyterLabPageFixture, expect, test } from '@jupyterlab/galata';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

import { screenshotBothThemes } from './helpers';

const JOBS = 1000;
const RUNS = 10;
const REPETITIONS = 5;
/** Where the seeded jobs go, below the server root; removed at the end. */
const FOLDER = 'scale-workspace';
const TARGET = process.env.TARGET_URL || 'http://localhost:8888';

let seeded: string | null = null;

/** The median of some times. */
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? sorted[middle]
    : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Print the median of some times and keep them as an annotation of the test. */
function report(what: string, times: number[]): void {
  const figures =
    `${JOBS} jobs, ${JOBS * RUNS} runs: ${what}: median ` +
    `${median(times).toFixed(0)} ms (${times.map(t => t.toFixed(0)).join(', ')})`;
  console.log(figures);
  test.info().annotations.push({ type: 'scale', description: figures });
}

/** Milliseconds from now until `selector` shows in the page (timed in the page). */
async function timeUntil(
  page: IJupyterLabPageFixture,
  selector: string,
  action: () => Promise<void>
): Promise<number> {
  await page.evaluate(() => {
    (window as any).__scaleStart = performance.now();
  });
  await action();
  const handle = await page.waitForFunction(
    sel => {
      const found = document.querySelector(sel) as HTMLElement | null;
      if (found === null || found.offsetParent === null) {
        return false;
      }
      return performance.now() - (window as any).__scaleStart;
    },
    selector,
    { timeout: 60000 }
  );
  return (await handle.jsonValue()) as number;
}

test.describe('Data Jobs at scale', () => {
  test.use({ viewport: { width: 1280, height: 900 } });

  test.beforeAll(async ({ playwright }) => {
    // 1,000 job folders with 10 run records each, written straight to disk
    // in a folder of the server root that only this spec uses.
    const request = await playwright.request.newContext();
    const config = await (await request.get(`${TARGET}/dataops/config`)).json();
    await request.dispose();
    seeded = path.join(config.root as string, FOLDER);
    execFileSync(
      process.env.PYTHON || 'python',
      [
        '-m',
        'dataops_jupyter.testing.seed',
        seeded,
        '--jobs',
        String(JOBS),
        '--runs',
        String(RUNS)
      ],
      { stdio: 'inherit', timeout: 300 * 1000 }
    );
  });

  test.afterAll(() => {
    if (seeded !== null) {
      fs.rmSync(seeded, { recursive: true, force: true });
    }
  });

  test('the sidebar and a job view stay quick with 1,000 jobs and 10,000 runs', async ({
    page
  }) => {
    test.setTimeout(600 * 1000);
    const sidebar = page.locator('#dataops-sidebar');
    const firstRow = '#dataops-sidebar .dataops-job .dataops-job-name';
    const historyRow = '#jp-main-dock-panel .dataops-job-view-row';

    // Time to first render: a fresh page, then the sidebar opened.
    const renders: number[] = [];
    for (let i = 0; i < REPETITIONS; i++) {
      await page.sidebar.close('left');
      await page.reload();
      renders.push(
        await timeUntil(page, firstRow, () =>
          page.sidebar.openTab('dataops-sidebar')
        )
      );
    }
    report('time to first render of the jobs list', renders);

    // Time to open a job view: a click on a job's name until its history
    // shows rows; another job each time.
    const opens: number[] = [];
    for (let i = 0; i < REPETITIONS; i++) {
      const name = `job-000${i}`;
      const button = sidebar
        .locator(`.dataops-job[data-job="${name}"]`)
        .getByRole('button', { name, exact: true });
      opens.push(await timeUntil(page, historyRow, () => button.click()));
      const view = page.locator('#jp-main-dock-panel .dataops-job-view');
      await expect(view.locator('.dataops-job-view-title')).toHaveText(name);
      await expect(view.locator('.dataops-job-view-row')).toHaveCount(RUNS, {
        timeout: 30000
      });
      if (i === REPETITIONS - 1) {
        await screenshotBothThemes(page, 'scale-job-view');
      }
      await page.evaluate(() =>
        (window as any).jupyterapp.commands.execute('application:close-all')
      );
      await expect(view).toHaveCount(0);
    }

    report('time to open a job view', opens);

    // A page of jobs, not all of them; the count says how many there are.
    await expect(sidebar.locator('.dataops-job')).toHaveCount(50);
    await expect(sidebar.locator('.dataops-job-filter-count')).toContainText(
      /\d+ jobs/
    );
    await screenshotBothThemes(page, 'scale-sidebar');

    // "Show more jobs" adds a page; the filter reaches the last job.
    await sidebar.locator('.dataops-show-more-jobs button').click();
    await expect(sidebar.locator('.dataops-job')).toHaveCount(100);
    const last = `job-${String(JOBS - 1).padStart(4, '0')}`;
    await sidebar.locator('.dataops-job-filter-input').fill(last);
    await expect(sidebar.locator('.dataops-job')).toHaveCount(1);
    await expect(
      sidebar.locator(`.dataops-job[data-job="${last}"] .dataops-run`)
    ).toHaveCount(5);
    await sidebar.locator('.dataops-job-filter-input').fill('no-such-job');
    await expect(sidebar.locator('.dataops-job-filter-empty')).toBeVisible();
    await sidebar.locator('.dataops-job-filter-input').fill(last);
    await screenshotBothThemes(page, 'scale-filter');
  });
});
