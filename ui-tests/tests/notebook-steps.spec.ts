import {
  IJupyterLabPageFixture,
  expect,
  galata,
  test
} from '@jupyterlab/galata';
import { Locator } from '@playwright/test';

import { codeCell, screenshotBothThemes } from './helpers';

const JOB = 'shop-steps';
const NOTEBOOK = `${JOB}/steps.ipynb`;

/** A notebook document with `cells`. */
function notebookOf(cells: Record<string, unknown>[]): string {
  return JSON.stringify({
    cells,
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3' } },
    nbformat: 4,
    nbformat_minor: 5
  });
}

/**
 * A job of two notebooks: `prepare.ipynb` (steps 1 and 2: `extract` and a
 * bare step, then a scratch cell) runs before `steps.ipynb`, whose cells are
 * all scratch but one.
 */
async function uploadTwoNotebookJob(
  page: IJupyterLabPageFixture
): Promise<void> {
  await page.contents.uploadContent(
    `name = "${JOB}"\nteam = "analytics"\nnotebooks = ["prepare.ipynb", "steps.ipynb"]\n`,
    'text',
    `${JOB}/job.toml`
  );
  await page.contents.uploadContent(
    notebookOf([
      codeCell('p1', ['step:extract'], 'print("extract")'),
      codeCell('p2', ['step'], 'print("two")'),
      codeCell('p3', [], 'print("three")')
    ]),
    'text',
    `${JOB}/prepare.ipynb`
  );
  await page.contents.uploadContent(
    notebookOf([
      codeCell('c0', [], 'limit = 10'),
      codeCell('c1', ['step:load'], 'print("load")'),
      codeCell('c2', [], 'a = 2'),
      codeCell('c3', [], 'b = 3'),
      codeCell('c4', [], 'peek = 0')
    ]),
    'text',
    NOTEBOOK
  );
}

/** The role row of the cell at `index` of the open notebook. */
function role(page: IJupyterLabPageFixture, index: number): Locator {
  return page
    .locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell')
    .nth(index)
    .locator('.dataops-cell-role');
}

/** Make the cell at `index` the active one, in command mode. */
async function select(
  page: IJupyterLabPageFixture,
  index: number
): Promise<Locator> {
  const cell = (await page.notebook.getCellLocator(index))!;
  await cell.locator('.jp-InputPrompt').click();
  await expect(cell).toHaveClass(/jp-mod-active/);
  return cell;
}

/** The tags of each cell of a saved notebook, read through the contents API. */
async function savedTags(
  page: IJupyterLabPageFixture,
  path: string
): Promise<string[][]> {
  const response = await page.request.get(`/api/contents/${path}?content=1`);
  expect(response.ok()).toBe(true);
  const model = await response.json();
  return model.content.cells.map(
    (cell: { metadata: { tags?: string[] } }) => cell.metadata.tags ?? []
  );
}

test.describe('Job steps in the notebook', () => {
  test('steps are marked, numbered across the job, renamed, moved and saved as tags', async ({
    page
  }) => {
    await uploadTwoNotebookJob(page);
    await page.notebook.openByPath(NOTEBOOK);
    await page.notebook.activate('steps.ipynb');

    // The steps of prepare.ipynb come first: load is step 3.
    await expect(role(page, 1)).toHaveText('Step 3 · load', { timeout: 30000 });
    for (const index of [0, 2, 3, 4]) {
      await expect(role(page, index)).toHaveText('scratch');
    }

    // The cell toolbar's button makes a cell a step.
    const third = await select(page, 2);
    const toggle = third.locator(
      '.jp-cell-toolbar [data-command="dataops:toggle-step"]'
    );
    await expect(toggle).toBeVisible();
    await toggle.click();
    await expect(role(page, 2)).toHaveText('Step 4 · step-4');

    // So does the shortcut, in command mode.
    await select(page, 3);
    await page.keyboard.press('Shift+S');
    await expect(role(page, 3)).toHaveText('Step 5 · step-5');

    // Clicking a badge renames the step; names used in the job are refused.
    await role(page, 2).getByRole('button').click();
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog).toContainText('Rename step 4');
    const name = dialog.getByLabel('Step name');
    await name.fill('load');
    await expect(dialog.locator('.dataops-step-name-problem')).toHaveText(
      'Another step of this notebook is already named "load": step names must be unique in job shop-steps.'
    );
    await screenshotBothThemes(page, 'notebook-steps-rename-refused');
    await dialog.getByRole('button', { name: 'Rename' }).click();
    await expect(dialog).toBeVisible();
    await expect(dialog.locator('.dataops-step-name-problem')).toContainText(
      'already named "load"'
    );
    await dialog.getByLabel('Step name').fill('extract');
    await expect(dialog.locator('.dataops-step-name-problem')).toHaveText(
      'Step "extract" already exists in prepare.ipynb: step names must be unique in job shop-steps.'
    );
    await dialog.getByLabel('Step name').fill('clean');
    await expect(dialog.locator('.dataops-step-name-problem')).toHaveText('');
    await dialog.getByRole('button', { name: 'Rename' }).click();
    await expect(dialog).toHaveCount(0);
    await expect(role(page, 2)).toHaveText('Step 4 · clean');

    // Moving a step renumbers the steps.
    await select(page, 3);
    await page.keyboard.press('Control+Shift+ArrowUp');
    await expect(role(page, 2)).toHaveText('Step 4 · step-4');
    await expect(role(page, 3)).toHaveText('Step 5 · clean');

    // The context menu marks the parameters cell.
    const first = await select(page, 0);
    await first.locator('.jp-InputPrompt').click({ button: 'right' });
    await expect(
      page.locator('.lm-Menu-item', { hasText: 'Toggle job step' })
    ).toBeVisible();
    await page
      .locator('.lm-Menu-item', { hasText: 'Mark as parameters' })
      .click();
    await expect(role(page, 0)).toHaveText('Parameters');
    await expect(role(page, 4)).toHaveText('scratch');

    await select(page, 4);
    await screenshotBothThemes(page, 'notebook-steps');

    await page.notebook.save();
    expect(await savedTags(page, NOTEBOOK)).toEqual([
      ['parameters'],
      ['step:load'],
      ['step'],
      ['step:clean'],
      []
    ]);
    // The server's job model names the steps as the badges did.
    const job = await page.request.get(`/dataops/jobs/${JOB}`);
    expect(job.ok()).toBe(true);
    expect(
      ((await job.json()).steps as { name: string }[]).map(step => step.name)
    ).toEqual(['extract', 'step-2', 'load', 'step-4', 'clean']);
  });

  test('the parameters tag moves, scratch markers follow the setting, plain notebooks get no badges', async ({
    page
  }) => {
    await uploadTwoNotebookJob(page);
    await page.notebook.openByPath(NOTEBOOK);
    await page.notebook.activate('steps.ipynb');
    await expect(role(page, 1)).toHaveText('Step 3 · load', { timeout: 30000 });

    // The commands are in the palette, under Data Jobs.
    // The palette hides when it loses the focus (the notebook may still be
    // taking it): open it again until the search shows the commands.
    const palette = page.locator('#command-palette');
    const search = palette.locator('.lm-CommandPalette-input');
    await expect(async () => {
      if (!(await search.isVisible())) {
        await page.evaluate(() =>
          window.jupyterapp.commands.execute(
            'apputils:activate-command-palette'
          )
        );
      }
      await search.fill('job step', { timeout: 2000 });
      await expect(palette.locator('.lm-CommandPalette-header')).toHaveText(
        'Data Jobs',
        { timeout: 2000 }
      );
      await expect(palette.locator('.lm-CommandPalette-item')).toHaveText(
        /Toggle job step/,
        { timeout: 2000 }
      );
    }).toPass({ timeout: 30000 });
    await page.keyboard.press('Escape');

    await select(page, 0);
    await page.evaluate(() =>
      window.jupyterapp.commands.execute('dataops:mark-parameters')
    );
    await expect(role(page, 0)).toHaveText('Parameters');
    await select(page, 4);
    await page.evaluate(() =>
      window.jupyterapp.commands.execute('dataops:mark-parameters')
    );
    await expect(role(page, 4)).toHaveText('Parameters');
    await expect(role(page, 0)).toHaveText('scratch');

    await page.evaluate(async () => {
      const registry = await window.galata.getPlugin(
        '@jupyterlab/apputils-extension:settings'
      );
      await registry!.set(
        'dataops-jupyter:notebook',
        'showScratchMarkers',
        false
      );
    });
    await expect(role(page, 0)).toHaveCount(0);
    await expect(
      page.locator(
        '.jp-NotebookPanel:not(.lm-mod-hidden) .dataops-cell-scratch'
      )
    ).toHaveCount(0);
    await expect(role(page, 1)).toHaveText('Step 3 · load');

    // A notebook that no job lists: the step toggles, no badge shows.
    await page.contents.uploadContent(
      notebookOf([codeCell('x0', [], 'x = 1')]),
      'text',
      'plain.ipynb'
    );
    await page.evaluate(async () => {
      await window.jupyterapp.commands.execute('docmanager:open', {
        path: 'plain.ipynb'
      });
    });
    await page.notebook.activate('plain.ipynb');
    await select(page, 0);
    await page.keyboard.press('Shift+S');
    await page.notebook.save();
    expect(await savedTags(page, 'plain.ipynb')).toEqual([['step']]);
    await expect(
      page.locator('.jp-NotebookPanel:not(.lm-mod-hidden) .dataops-cell-role')
    ).toHaveCount(0);
  });

  test('saving an earlier notebook of the job renumbers the steps of the later one', async ({
    page
  }) => {
    await uploadTwoNotebookJob(page);
    await page.notebook.openByPath(NOTEBOOK);
    await page.notebook.activate('steps.ipynb');
    await expect(role(page, 1)).toHaveText('Step 3 · load', { timeout: 30000 });

    await page.evaluate(async () => {
      await window.jupyterapp.commands.execute('docmanager:open', {
        path: 'shop-steps/prepare.ipynb'
      });
    });
    await page.notebook.activate('prepare.ipynb');
    await expect(role(page, 2)).toHaveText('scratch', { timeout: 30000 });
    await select(page, 2);
    await page.keyboard.press('Shift+S');
    await expect(role(page, 2)).toHaveText('Step 3 · step-3');
    await page.notebook.save();

    await page.notebook.activate('steps.ipynb');
    await expect(role(page, 1)).toHaveText('Step 4 · load', { timeout: 30000 });
  });
});

test.describe('Job steps in a long notebook that renders only the cells in view', () => {
  const TRACKER = '@jupyterlab/notebook-extension:tracker';
  test.use({
    mockSettings: {
      ...galata.DEFAULT_SETTINGS,
      [TRACKER]: {
        ...galata.DEFAULT_SETTINGS[TRACKER],
        windowingMode: 'full'
      }
    }
  });

  test('cells scrolled into view get their badges, and a move renumbers them', async ({
    page
  }) => {
    // 80 cells of 4 lines, every second one a step: cell 79 is step 40.
    const cells = Array.from({ length: 80 }, (_, index) =>
      codeCell(`c${index}`, index % 2 ? ['step'] : [], `x${index} = 1\n\n\n`)
    );
    await page.contents.uploadContent(
      'name = "long-job"\nteam = "analytics"\n',
      'text',
      'long-job/job.toml'
    );
    await page.contents.uploadContent(
      notebookOf(cells),
      'text',
      'long-job/long-job.ipynb'
    );
    await page.notebook.openByPath('long-job/long-job.ipynb');
    await page.notebook.activate('long-job.ipynb');
    await expect(role(page, 1)).toHaveText('Step 1 · step-1', {
      timeout: 30000
    });

    await select(page, 0);
    for (let index = 0; index < 79; index++) {
      await page.keyboard.press('j');
    }
    await expect(role(page, 79)).toHaveText('Step 40 · step-40');
    await expect(role(page, 78)).toHaveText('scratch');

    await page.keyboard.press('Control+Shift+ArrowUp');
    await expect(role(page, 78)).toHaveText('Step 40 · step-40');
    await expect(role(page, 79)).toHaveText('scratch');
  });
});
