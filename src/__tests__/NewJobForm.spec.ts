import {
  NewJobForm,
  cronProblem,
  describeCron,
  formatRunTime,
  nameProblem,
  suggestJobName
} from '../dialogs/NewJobForm';
import { hasStepCells, markEveryCodeCell } from '../notebook/convertToJob';
import { DataOpsRequestError } from '../request';
import { SchedulePreview } from '../types';

/** What the server answers for `0 6 * * 1-5` in Europe/Berlin. */
const BERLIN: SchedulePreview = {
  cron: '0 6 * * 1-5',
  timezone: 'Europe/Berlin',
  next: [
    '2026-12-02T06:00:00+01:00',
    '2026-12-03T06:00:00+01:00',
    '2026-12-04T06:00:00+01:00'
  ]
};

function input(form: NewJobForm, name: string): HTMLInputElement {
  return form.node.querySelector(`input[name="${name}"]`)!;
}

function type(form: NewJobForm, name: string, value: string): void {
  const field = input(form, name);
  field.value = value;
  field.dispatchEvent(new Event('input'));
}

const text = (form: NewJobForm, selector: string): string =>
  form.node.querySelector(selector)?.textContent ?? '';

describe('new job names and crons', () => {
  it('says what a job name must be', () => {
    expect(nameProblem('orders')).toBeNull();
    expect(nameProblem('sales-mart-2')).toBeNull();
    expect(nameProblem('')).toContain('Give the job a name');
    expect(nameProblem('Sales Mart')).toContain('lowercase letters');
    expect(nameProblem('-orders')).toContain('lowercase letters');
  });

  it('reads a cron in words and refuses what is no cron', () => {
    expect(describeCron('0 6 * * 1-5')).toBe('At 06:00, Monday through Friday');
    expect(describeCron('*/15 * * * *')).toBe('Every 15 minutes');
    expect(cronProblem('0 6 * * 1-5')).toBeNull();
    expect(cronProblem('0 6 * *')).toContain('five fields');
    expect(cronProblem('0 6 * * * *')).toContain('five fields');
    expect(cronProblem('61 6 * * *')).toBe(
      '61 6 * * * is not a cron expression.'
    );
  });

  it('shows a run time as the clock of the job timezone', () => {
    const shown = formatRunTime('2026-12-02T05:00:00Z', 'Europe/Berlin');
    expect(shown).toContain('06:00');
    expect(shown).toContain('2026');
    expect(formatRunTime('2026-12-02T05:00:00Z', 'UTC')).toContain('05:00');
  });

  it('suggests a job name from the notebook', () => {
    expect(suggestJobName('analysis/Sales Report.ipynb')).toBe('sales-report');
    expect(suggestJobName('__Draft_2__.ipynb')).toBe('draft-2');
  });
});

describe('NewJobForm', () => {
  let asked: [string, string][];
  let answer: () => Promise<SchedulePreview>;
  const preview = (cron: string, timezone: string) => {
    asked.push([cron, timezone]);
    return answer();
  };

  beforeEach(() => {
    asked = [];
    answer = () => Promise.resolve(BERLIN);
  });

  it('starts in the given folder with the default team and no schedule', () => {
    const form = new NewJobForm({
      preview,
      values: { folder: 'pipelines' },
      delay: 0
    });
    expect(input(form, 'folder').value).toBe('pipelines');
    expect(input(form, 'team').value).toBe('default');
    expect(text(form, '.dataops-cron-text')).toContain('No schedule');
    expect(form.node.querySelector('input[name="markSteps"]')).toBeNull();
    // No name yet: nothing shouts before the user typed.
    expect(text(form, '.dataops-new-job-problem')).toBe('');
    expect(form.problem).toContain('Give the job a name');
    expect(asked).toEqual([]);
  });

  it('checks the name as it is typed', () => {
    const form = new NewJobForm({ preview, delay: 0 });
    type(form, 'name', 'Sales');
    expect(text(form, '.dataops-new-job-problem')).toContain(
      'lowercase letters'
    );
    expect(input(form, 'name').classList).toContain('dataops-mod-invalid');
    type(form, 'name', 'sales');
    expect(text(form, '.dataops-new-job-problem')).toBe('');
    expect(form.problem).toBeNull();
  });

  it('shows the cron in words and the next three runs from the server', async () => {
    const form = new NewJobForm({ preview, delay: 0 });
    type(form, 'name', 'nightly');
    type(form, 'timezone', 'Europe/Berlin');
    type(form, 'schedule', '0  6 * * 1-5');
    expect(text(form, '.dataops-cron-text')).toBe(
      'At 06:00, Monday through Friday'
    );
    await form.previewed;
    expect(asked[asked.length - 1]).toEqual(['0 6 * * 1-5', 'Europe/Berlin']);
    const times = Array.from(
      form.node.querySelectorAll('.dataops-cron-next-time')
    );
    expect(times.map(item => (item as HTMLElement).dataset.time)).toEqual(
      BERLIN.next
    );
    expect(times.every(item => item.textContent!.includes('06:00'))).toBe(true);
    expect(text(form, '.dataops-cron-next')).toContain(
      'Next runs (Europe/Berlin):'
    );
    expect(form.problem).toBeNull();
    expect(form.getValue()).toEqual({
      folder: '',
      name: 'nightly',
      team: 'default',
      description: '',
      schedule: '0 6 * * 1-5',
      timezone: 'Europe/Berlin',
      markSteps: false
    });
  });

  it('says at once when the cron is no cron, without asking the server', async () => {
    const form = new NewJobForm({ preview, delay: 0 });
    type(form, 'schedule', '0 6 * *');
    await form.previewed;
    expect(asked).toEqual([]);
    expect(text(form, '.dataops-cron-error')).toContain('five fields');
    expect(input(form, 'schedule').classList).toContain('dataops-mod-invalid');
    expect(form.node.querySelectorAll('.dataops-cron-next-time')).toHaveLength(
      0
    );
  });

  it("shows the server's reason for a cron or timezone it refuses", async () => {
    answer = () =>
      Promise.reject(
        new DataOpsRequestError(
          400,
          "'timezone': 'Mars/Base' is not an IANA timezone: use a name like 'UTC' or 'Europe/Berlin'",
          'invalid'
        )
      );
    const form = new NewJobForm({ preview, delay: 0 });
    type(form, 'name', 'nightly');
    type(form, 'timezone', 'Mars/Base');
    type(form, 'schedule', '0 6 * * *');
    await form.previewed;
    expect(text(form, '.dataops-cron-error')).toBe(
      "'Mars/Base' is not an IANA timezone: use a name like 'UTC' or 'Europe/Berlin'"
    );
    expect(form.problem).toContain('not an IANA timezone');
  });

  it('keeps only the answer for what is typed last', async () => {
    const slow: ((value: SchedulePreview) => void)[] = [];
    answer = () => new Promise(resolve => slow.push(resolve));
    const form = new NewJobForm({ preview, delay: 0 });
    type(form, 'schedule', '0 6 * * *');
    await new Promise(resolve => setTimeout(resolve, 5));
    type(form, 'schedule', '*/15 * * * *');
    await new Promise(resolve => setTimeout(resolve, 5));
    slow[1]({ ...BERLIN, cron: '*/15 * * * *', timezone: 'UTC' });
    slow[0](BERLIN);
    await form.previewed;
    expect(text(form, '.dataops-cron-next')).toContain('Next runs (UTC):');
  });

  it('offers to mark every code cell when converting a notebook', () => {
    const form = new NewJobForm({
      preview,
      notebook: 'analysis/explore.ipynb',
      offerSteps: true,
      values: { name: 'explore' },
      error: "'name': a job named 'explore' already exists in 'jobs/explore'"
    });
    expect(form.node.querySelector('input[name="folder"]')).toBeNull();
    expect(text(form, '.dataops-new-job-notebook')).toContain(
      'analysis/explore.ipynb'
    );
    expect(text(form, '[role="alert"]')).toContain('already exists');
    const box = input(form, 'markSteps');
    expect(box.checked).toBe(true);
    box.checked = false;
    expect(form.getValue().markSteps).toBe(false);
  });
});

describe("the server's reason in the form", () => {
  const alert = (form: NewJobForm) => form.node.querySelector('[role="alert"]');
  const preview = () => Promise.resolve(BERLIN);

  it('stays until the field it names is edited', () => {
    const form = new NewJobForm({
      preview,
      values: { folder: 'jobs', name: 'orders' },
      error: "'name': a job named 'orders' already exists in 'jobs/orders'"
    });
    expect(alert(form)?.textContent).toBe(
      "a job named 'orders' already exists in 'jobs/orders'"
    );
    expect(input(form, 'name').classList).toContain('dataops-mod-invalid');
    type(form, 'team', 'sales');
    expect(alert(form)).not.toBeNull();
    type(form, 'name', 'orders-2');
    expect(alert(form)).toBeNull();
    expect(input(form, 'name').classList).not.toContain('dataops-mod-invalid');
  });

  it('marks a refused timezone until the timezone is edited', () => {
    const form = new NewJobForm({
      preview,
      values: {
        name: 'orders',
        schedule: '0 6 * * 1-5',
        timezone: 'Mars/Base'
      },
      error: "'timezone': 'Mars/Base' is not a timezone"
    });
    expect(input(form, 'timezone').classList).toContain('dataops-mod-invalid');
    type(form, 'schedule', '0 7 * * 1-5');
    expect(alert(form)).not.toBeNull();
    type(form, 'timezone', 'Europe/Berlin');
    expect(alert(form)).toBeNull();
    expect(input(form, 'timezone').classList).not.toContain(
      'dataops-mod-invalid'
    );
  });

  it('goes with any edit when it names no field', () => {
    const form = new NewJobForm({
      preview,
      notebook: 'analysis/explore.ipynb',
      values: { name: 'explore' },
      error: "'notebook': 'analysis' already has a job.toml"
    });
    expect(alert(form)?.textContent).toContain('already has a job.toml');
    type(form, 'description', 'Explores');
    expect(alert(form)).toBeNull();
  });
});

describe('marking steps', () => {
  function cell(type: string, tags?: string[]) {
    const metadata: { [key: string]: unknown } = tags ? { tags } : {};
    return {
      type,
      metadata,
      getMetadata: (key: string) => metadata[key],
      setMetadata: (key: string, value: unknown) => (metadata[key] = value),
      deleteMetadata: (key: string) => delete metadata[key]
    };
  }

  it('tags every code cell but the parameters cell, and can undo it', () => {
    const cells = [
      cell('markdown'),
      cell('code', ['parameters']),
      cell('code'),
      cell('code', ['keep'])
    ];
    expect(hasStepCells(cells)).toBe(false);
    const undo = markEveryCodeCell(cells);
    expect(cells.map(c => c.metadata.tags)).toEqual([
      undefined,
      ['parameters'],
      ['step'],
      ['keep', 'step']
    ]);
    expect(hasStepCells(cells)).toBe(true);
    undo();
    expect(cells.map(c => c.metadata.tags)).toEqual([
      undefined,
      ['parameters'],
      undefined,
      ['keep']
    ]);
  });

  it('sees step tags of either form', () => {
    expect(hasStepCells([cell('code', ['step:load'])])).toBe(true);
    expect(hasStepCells([cell('markdown', ['step'])])).toBe(false);
  });
});
