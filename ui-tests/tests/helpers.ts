import { IJupyterLabPageFixture, expect } from '@jupyterlab/galata';
import { Locator } from '@playwright/test';

export const SCREENSHOTS = 'screenshots';

/** A code cell of an uploaded notebook. */
export function codeCell(
  id: string,
  tags: string[],
  source: string
): Record<string, unknown> {
  return {
    cell_type: 'code',
    id,
    metadata: { tags },
    source,
    outputs: [],
    execution_count: null
  };
}

/** Write a job folder `name/` (job.toml and `name.ipynb`) into the workspace. */
export async function uploadJob(
  page: IJupyterLabPageFixture,
  name: string,
  cells: Record<string, unknown>[]
): Promise<void> {
  const notebook = {
    cells,
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3' } },
    nbformat: 4,
    nbformat_minor: 5
  };
  await page.contents.uploadContent(
    `name = "${name}"\nteam = "analytics"\n`,
    'text',
    `${name}/job.toml`
  );
  await page.contents.uploadContent(
    JSON.stringify(notebook),
    'text',
    `${name}/${name}.ipynb`
  );
}

/** Open the sidebar, refresh it and wait for the job's row. */
export async function jobRow(
  page: IJupyterLabPageFixture,
  name: string
): Promise<Locator> {
  await page.sidebar.openTab('dataops-sidebar');
  const sidebar = page.locator('#dataops-sidebar');
  await sidebar.locator('.dataops-refresh-button').first().click();
  const job = sidebar.locator(`.dataops-job[data-job="${name}"]`);
  await expect(job).toBeVisible({ timeout: 30000 });
  return job;
}

/**
 * Click Deploy on a job's row and answer the dialogs: the reason, and
 * "Deploy anyway" if the folder did not change since the latest version.
 * Resolves to the new active version once the row shows it.
 */
export async function deployFromSidebar(
  page: IJupyterLabPageFixture,
  job: Locator,
  name: string,
  reason = ''
): Promise<number> {
  const deploy = job.getByRole('button', { name: `Deploy ${name}` });
  await expect(deploy).toBeEnabled({ timeout: 60000 });
  const version = job.locator('.dataops-job-deployed-version');
  // Whether and which version is deployed must be known before the click.
  await expect(job.locator('.dataops-job-deployment')).toHaveAttribute(
    'data-state',
    /^(not-deployed|deployed)$/,
    { timeout: 60000 }
  );
  const before = (await version.count()) ? await version.textContent() : null;
  await deploy.click();
  const dialog = page.locator('.jp-Dialog');
  await expect(dialog).toContainText(`Deploy ${name}`);
  if (reason) {
    await dialog.getByLabel('Reason').fill(reason);
  }
  await dialog.getByRole('button', { name: 'Deploy', exact: true }).click();
  // Unchanged since the latest version: deploy it anyway.
  const anyway = page
    .locator('.jp-Dialog')
    .getByRole('button', { name: 'Deploy anyway' });
  await expect
    .poll(
      async () => {
        if (await anyway.count()) {
          await anyway.click();
        }
        const now = (await version.count())
          ? await version.textContent()
          : null;
        return now !== null && now !== before && /^v\d+$/.test(now);
      },
      { timeout: 120000 }
    )
    .toBe(true);
  return Number((await version.textContent())!.slice(1));
}

/** Screenshots of the page in the light and the dark theme. */
export async function screenshotBothThemes(
  page: IJupyterLabPageFixture,
  name: string
): Promise<void> {
  await page.screenshot({ path: `${SCREENSHOTS}/${name}-light.png` });
  await page.theme.setDarkTheme();
  await page.screenshot({ path: `${SCREENSHOTS}/${name}-dark.png` });
  await page.theme.setLightTheme();
}

/** An item of the toolbar of the current notebook. */
export function toolbarItem(
  page: IJupyterLabPageFixture,
  className: string
): Locator {
  return page.locator(
    `.jp-NotebookPanel:not(.lm-mod-hidden) .jp-NotebookPanel-toolbar .${className}`
  );
}

/**
 * Press a toolbar button that starts a run; if the run asks to save the
 * notebook first (the kernel's start may have changed its metadata), save.
 */
export async function startRun(
  page: IJupyterLabPageFixture,
  className: string,
  until: () => Promise<boolean>
): Promise<void> {
  await toolbarItem(page, className).click();
  const save = page
    .locator('.jp-Dialog')
    .getByRole('button', { name: 'Save and run' });
  await expect
    .poll(
      async () => {
        if (await save.count()) {
          await save.click();
        }
        return until();
      },
      { timeout: 30000 }
    )
    .toBe(true);
}
