import { expect, test } from '@jupyterlab/galata';

import {
  codeCell,
  deployFromSidebar,
  jobRow,
  screenshotBothThemes,
  uploadJob
} from './helpers';

/** What the job's `shop.products` promises: ids, names and a price above 0. */
const CONTRACT = `apiVersion: v3.1.0
kind: DataContract
id: products
version: 1.0.0
status: active
schema:
  - name: products
    physicalName: shop.products
    properties:
      - name: id
        logicalType: integer
        required: true
        unique: true
      - name: name
        logicalType: string
        required: true
        logicalTypeOptions: {minLength: 1}
      - name: price
        logicalType: number
        required: true
        logicalTypeOptions: {exclusiveMinimum: 0}
`;

const LOAD =
  '%%ingest shop.products --mode replace\n' +
  '[\n' +
  '    {"id": 1, "name": "Desk Lamp", "price": 12.5},\n' +
  '    {"id": 2, "name": "Broken Bin", "price": -3.0},\n' +
  '    {"id": 3, "name": "Mug", "price": 4.0},\n' +
  ']';

/** A job folder `name/` whose `load` step loads a negative price into `shop.products`. */
async function uploadBrokenLoad(
  page: Parameters<typeof uploadJob>[0],
  name: string
): Promise<void> {
  await uploadJob(page, name, [
    codeCell('setup-cell', ['step:setup'], '%load_ext kernel_magics'),
    codeCell('load-cell', ['step:load'], LOAD)
  ]);
  await page.contents.uploadContent(
    CONTRACT,
    'text',
    `${name}/contracts/products.odcs.yaml`
  );
}

test.describe('Data Jobs sidebar: contract checks', () => {
  test('a step that breaks its contract shows its checks, and the report shows the rule and a sample row', async ({
    page
  }) => {
    await uploadBrokenLoad(page, 'shop-load');
    const job = await jobRow(page, 'shop-load');
    await job
      .getByRole('button', { name: 'Run shop-load', exact: true })
      .click();

    const run = job.locator('.dataops-run').first();
    await expect(run).toHaveAttribute('data-status', 'failed', {
      timeout: 90000
    });
    const failed = run.locator('.dataops-run-failed-step');
    await expect(failed.locator('.dataops-failed-step-line')).toContainText(
      'Failed in step load: ContractViolation'
    );
    const checks = failed.getByRole('button', {
      name: /^contract: 1 of \d+ checks failed in step load$/
    });
    await expect(checks).toBeVisible();
    await expect(checks).toHaveText(/^contract: 1 of \d+ checks failed$/);
    await expect(checks).toHaveAttribute(
      'title',
      'Open the contract check report of step load'
    );
    const total = Number(
      /of (\d+) checks/.exec((await checks.textContent())!)![1]
    );
    expect(total).toBeGreaterThanOrEqual(3);
    await run.scrollIntoViewIfNeeded();
    await screenshotBothThemes(page, 'contract-checks-sidebar');

    // The report opens in the main area, the broken rule first.
    await checks.click();
    const runId = (await run.getAttribute('data-run-id'))!;
    const tab = page.getByRole('main').getByRole('tab', {
      name: `Contract checks — shop-load ${runId.split('-')[1]} · load`
    });
    await expect(tab).toBeVisible();
    const report = page.locator('#jp-main-dock-panel .dataops-check-report');
    await expect(report.locator('.dataops-checks-title')).toHaveText(
      `Contract checks — shop-load · run ${runId} · step load`
    );
    await expect(report.locator('.dataops-checks-headline')).toContainText(
      `1 of ${total} checks failed`
    );
    await expect(report.locator('.dataops-checks-tables')).toHaveText(
      'Table shop.products'
    );
    const rows = report.locator('.dataops-check');
    await expect(rows).toHaveCount(total);
    const rule = rows.first();
    await expect(rule).toHaveAttribute('data-status', 'failed');
    await expect(rule).toHaveAttribute(
      'data-rule',
      'products.price.exclusiveMinimum'
    );
    await expect(rule.locator('.dataops-check-status')).toHaveText('✗ failed');
    await expect(rule.locator('.dataops-check-measured')).toHaveText('1 row');
    await expect(rule.locator('.dataops-check-threshold')).not.toHaveText('');
    await expect(
      report.locator('.dataops-check[data-status="failed"]')
    ).toHaveCount(1);

    // Its sample row: the negative price.
    await expect(rule.locator('.dataops-check-samples')).toHaveCount(0);
    await rule
      .getByRole('button', {
        name: 'Show sample rows of products.price.exclusiveMinimum'
      })
      .click();
    const samples = rule.locator('.dataops-check-samples');
    await expect(samples.locator('th')).toContainText(['id', 'name', 'price']);
    const sample = samples.locator(':scope > tbody > tr');
    await expect(sample).toHaveCount(1);
    await expect(sample).toContainText('Broken Bin');
    await expect(sample).toContainText('-3');
    await rule
      .getByRole('button', {
        name: 'Show the SQL of products.price.exclusiveMinimum'
      })
      .click();
    await expect(rule.locator('.dataops-check-sql')).toContainText('price');
    await screenshotBothThemes(page, 'contract-check-report');

    // From the keyboard, the same button brings the same tab back.
    await run.getByRole('button', { name: `Open log of run ${runId}` }).click();
    await expect(tab).toHaveAttribute('aria-selected', 'false');
    await checks.focus();
    await page.keyboard.press('Enter');
    await expect(tab).toHaveAttribute('aria-selected', 'true');
    await expect(
      page.getByRole('main').getByRole('tab', { name: /^Contract checks — / })
    ).toHaveCount(1);
  });

  test('an execution that breaks its contract shows its checks under the deployed job', async ({
    page
  }) => {
    test.setTimeout(300 * 1000);
    await uploadBrokenLoad(page, 'shop-deploy');
    const job = await jobRow(page, 'shop-deploy');
    await deployFromSidebar(page, job, 'shop-deploy', 'contract on products');
    const deployed = page.locator(
      '#dataops-sidebar .dataops-deployment[data-job="shop-deploy"]'
    );
    await deployed
      .getByRole('button', { name: 'Execute shop-deploy', exact: true })
      .click();
    const execution = deployed.locator('.dataops-execution').first();
    await expect(execution).toHaveAttribute('data-status', 'user_error', {
      timeout: 120000
    });
    const checks = execution
      .locator('.dataops-execution-failed-step')
      .getByRole('button', {
        name: /^contract: 1 of \d+ checks failed in step load$/
      });
    await expect(checks).toBeVisible();
    await checks.scrollIntoViewIfNeeded();
    await screenshotBothThemes(page, 'contract-checks-execution');

    await checks.click();
    const executionId = (await execution.getAttribute('data-execution-id'))!;
    const report = page.locator('#jp-main-dock-panel .dataops-check-report');
    await expect(report.locator('.dataops-checks-title')).toHaveText(
      `Contract checks — shop-deploy · execution ${executionId} · step load`
    );
    const rule = report.locator('.dataops-check').first();
    await expect(rule).toHaveAttribute(
      'data-rule',
      'products.price.exclusiveMinimum'
    );
    await expect(rule.locator('.dataops-check-measured')).toHaveText('1 row');
    await rule
      .getByRole('button', {
        name: 'Show sample rows of products.price.exclusiveMinimum'
      })
      .click();
    await expect(rule.locator('.dataops-check-samples')).toContainText(
      'Broken Bin'
    );
  });
});
