import { Dialog, showDialog } from '@jupyterlab/apputils';
import {
  ITranslator,
  TranslationBundle,
  nullTranslator
} from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';
import cronstrue from 'cronstrue';

import { DataOpsRequestError } from '../request';
import { SchedulePreview } from '../types';
import { translations } from '../translation';

/** What the user asked for in the "New Data Job" or "Convert to Job" dialog. */
export interface INewJob {
  /** The folder the new job folder goes in (create only). */
  folder: string;
  name: string;
  team: string;
  description: string;
  /** A cron expression, or `''` for no schedule. */
  schedule: string;
  timezone: string;
  /** Mark every code cell but the parameters cell as a step (convert only). */
  markSteps: boolean;
}

/** The rule of job and team names (the server's, `dataops_jupyter/jobs/names.py`). */
export const NAME_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

/** How long typing must pause before the schedule is previewed (ms). */
export const PREVIEW_DELAY = 300;

/** How many forms were made: each has its own list of timezones. */
let formCount = 0;

/** Why a job name cannot be used, or null if it follows the rule. */
export function nameProblem(
  name: string,
  trans: TranslationBundle = translations()
): string | null {
  if (name === '') {
    return trans.__('Give the job a name, e.g. orders.');
  }
  if (!NAME_PATTERN.test(name)) {
    return trans.__(
      'Use lowercase letters, digits and dashes, starting and ending with a letter or digit (at most 64).'
    );
  }
  return null;
}

/**
 * Why a cron expression is not one, as far as can be told without the
 * server (five fields that `cronstrue` can read), or null.
 */
export function cronProblem(
  cron: string,
  trans: TranslationBundle = translations()
): string | null {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5) {
    return trans.__(
      'A cron has five fields: minute hour day-of-month month day-of-week, e.g. 0 6 * * 1-5.'
    );
  }
  return describeCron(cron) === null
    ? trans.__('%1 is not a cron expression.', cron.trim())
    : null;
}

/** A cron expression in words ("At 06:00 AM, Monday through Friday"), or null. */
export function describeCron(cron: string): string | null {
  try {
    return cronstrue.toString(cron.trim(), {
      throwExceptionOnParseError: true,
      use24HourTimeFormat: true
    });
  } catch {
    return null;
  }
}

/** A run time (ISO 8601) as the wall clock of `timezone` shows it. */
export function formatRunTime(iso: string, timezone: string): string {
  const lang =
    (typeof document !== 'undefined' && document.documentElement.lang) || 'en';
  const date = new Date(iso);
  try {
    return new Intl.DateTimeFormat(lang, {
      timeZone: timezone,
      weekday: 'short',
      year: 'numeric',
      month: 'short',
      day: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23'
    }).format(date);
  } catch {
    return iso;
  }
}

/** A job name made from a notebook's file name: `Sales Report.ipynb` → `sales-report`. */
export function suggestJobName(path: string): string {
  const file = path.slice(path.lastIndexOf('/') + 1).replace(/\.ipynb$/, '');
  return file
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64)
    .replace(/-+$/, '');
}

/** The fields of the form that a server's reason can name (`'cron': …`). */
const REFUSED_FIELDS: { [key: string]: string } = {
  folder: 'folder',
  name: 'name',
  team: 'team',
  description: 'description',
  cron: 'schedule',
  schedule: 'schedule',
  timezone: 'timezone'
};

/**
 * The field a reason for refusing a new job is about and the reason
 * without the field's name: the server starts its reasons with the field
 * (`'name': a job named 'orders' already exists…`). `field` is null when
 * the reason names no field of the form.
 */
export function refusedField(reason: string): {
  field: string | null;
  message: string;
} {
  const match = /^'(\w+)': (.*)$/s.exec(reason);
  const field = match ? REFUSED_FIELDS[match[1]] : undefined;
  return field && match
    ? { field, message: match[2] }
    : { field: null, message: reason };
}

/** The browser's timezone, or UTC. */
export function localTimezone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

/**
 * The body of the "New Data Job" and "Convert to Job" dialogs.
 *
 * The name is checked as it is typed; the schedule is shown in words
 * (`cronstrue`) and, after a short pause, with its next three run times in
 * the chosen timezone as the server computes them (or the server's reason
 * why it is not valid).
 */
export class NewJobForm extends Widget implements Dialog.IBodyWidget<INewJob> {
  constructor(options: NewJobForm.IOptions) {
    super();
    this.addClass('dataops-new-job-form');
    const trans = (options.translator ?? nullTranslator).load(
      'dataops_jupyter'
    );
    this._trans = trans;
    this._preview = options.preview;
    this._delay = options.delay ?? PREVIEW_DELAY;
    const values = options.values ?? {};

    const refusal = options.error ? refusedField(options.error) : null;
    if (refusal) {
      const error = document.createElement('p');
      error.className = 'dataops-new-job-error';
      error.setAttribute('role', 'alert');
      error.textContent = refusal.message;
      this.node.appendChild(error);
    }
    if (options.notebook !== undefined) {
      const notebook = document.createElement('p');
      notebook.className = 'dataops-new-job-notebook';
      notebook.textContent = trans.__(
        'A job.toml that lists %1 is written beside it.',
        options.notebook
      );
      this.node.appendChild(notebook);
    } else {
      this._folder = this._field('folder', trans.__('Folder'), {
        value: values.folder ?? '',
        placeholder: trans.__('the workspace root')
      });
    }
    this._name = this._field('name', trans.__('Name'), {
      value: values.name ?? '',
      // untranslated: an example of a job name, which takes no other letters
      placeholder: 'orders'
    });
    this._nameProblem = this._note('dataops-new-job-problem');
    this._team = this._field('team', trans.__('Team'), {
      value: values.team ?? 'default',
      // untranslated: the name of the team a job without one belongs to
      placeholder: 'default'
    });
    this._description = this._field('description', trans.__('Description'), {
      value: values.description ?? '',
      placeholder: trans.__('What the job does (optional)')
    });
    this._schedule = this._field('schedule', trans.__('Schedule (cron)'), {
      value: values.schedule ?? '',
      placeholder: trans.__('e.g. 0 6 * * 1-5 (optional)')
    });
    this._timezone = this._field('timezone', trans.__('Timezone'), {
      value: values.timezone ?? localTimezone(),
      placeholder: 'UTC'
    });
    const zones = document.createElement('datalist');
    zones.id = `dataops-timezones-${++formCount}`;
    this._timezone.setAttribute('list', zones.id);
    const supported = (
      Intl as unknown as { supportedValuesOf?: (key: string) => string[] }
    ).supportedValuesOf;
    for (const zone of supported ? supported('timeZone') : ['UTC']) {
      const option = document.createElement('option');
      option.value = zone;
      zones.appendChild(option);
    }
    this.node.appendChild(zones);

    const preview = document.createElement('div');
    preview.className = 'dataops-cron-preview';
    preview.setAttribute('aria-live', 'polite');
    this._cronText = document.createElement('div');
    this._cronText.className = 'dataops-cron-text';
    this._cronError = document.createElement('div');
    this._cronError.className = 'dataops-cron-error';
    this._cronNext = document.createElement('ul');
    this._cronNext.className = 'dataops-cron-next';
    preview.append(this._cronText, this._cronError, this._cronNext);
    this.node.appendChild(preview);

    if (options.offerSteps) {
      const label = document.createElement('label');
      label.className = 'dataops-new-job-steps';
      this._markSteps = document.createElement('input');
      this._markSteps.type = 'checkbox';
      this._markSteps.name = 'markSteps';
      this._markSteps.checked = values.markSteps ?? true;
      label.append(
        this._markSteps,
        trans.__(
          'Mark every code cell except the parameters cell as a step (the notebook has no step cells yet)'
        )
      );
      this.node.appendChild(label);
    }

    this._name.addEventListener('input', () => this._checkName());
    this._schedule.addEventListener('input', () => this._checkSchedule());
    this._timezone.addEventListener('input', () => this._checkSchedule());
    this._checkName(values.name === undefined);
    this._checkSchedule(0);
    if (refusal) {
      this._holdRefusal(refusal.field);
    }
  }

  /**
   * Keep the server's reason (and the field it names marked) until that
   * field is edited, or any field when the reason names none.
   */
  private _holdRefusal(field: string | null): void {
    const inputs = Array.from(this.node.querySelectorAll('input'));
    const named = inputs.find(input => input.name === field);
    named?.classList.add('dataops-mod-invalid');
    const clear = (): void => {
      this.node.querySelector('.dataops-new-job-error')?.remove();
      // The name and the schedule were checked again as they changed.
      if (field !== 'name' && field !== 'schedule') {
        named?.classList.remove('dataops-mod-invalid');
      }
      for (const input of inputs) {
        input.removeEventListener('input', clear);
      }
    };
    for (const input of named ? [named] : inputs) {
      input.addEventListener('input', clear);
    }
  }

  /** What is typed, without surrounding blanks. */
  getValue(): INewJob {
    return {
      folder: this._folder?.value.trim() ?? '',
      name: this._name.value.trim(),
      team: this._team.value.trim() || 'default',
      description: this._description.value.trim(),
      schedule: this._schedule.value.trim().replace(/\s+/g, ' '),
      timezone: this._timezone.value.trim() || 'UTC',
      markSteps: this._markSteps?.checked ?? false
    };
  }

  /**
   * The first problem of what is typed that is known here (the name, or
   * the schedule as checked so far), or null.
   */
  get problem(): string | null {
    const value = this.getValue();
    return nameProblem(value.name, this._trans) ?? this._scheduleProblem;
  }

  /** Resolves once the schedule as typed now is previewed. */
  get previewed(): Promise<void> {
    return this._previewed;
  }

  private _field(
    name: string,
    title: string,
    options: { value: string; placeholder: string }
  ): HTMLInputElement {
    const label = document.createElement('label');
    label.className = 'dataops-new-job-field';
    const text = document.createElement('span');
    text.textContent = title;
    const input = document.createElement('input');
    input.className = 'jp-mod-styled';
    input.name = name;
    input.type = 'text';
    input.spellcheck = false;
    input.value = options.value;
    input.placeholder = options.placeholder;
    input.setAttribute('aria-label', title);
    label.append(text, input);
    this.node.appendChild(label);
    return input;
  }

  private _note(className: string): HTMLDivElement {
    const note = document.createElement('div');
    note.className = className;
    this.node.appendChild(note);
    return note;
  }

  private _checkName(quiet = false): void {
    const problem = nameProblem(this._name.value.trim(), this._trans);
    this._nameProblem.textContent = quiet ? '' : (problem ?? '');
    this._name.classList.toggle('dataops-mod-invalid', !quiet && !!problem);
  }

  /** Show the schedule in words and ask the server for its next runs. */
  private _checkSchedule(delay = this._delay): void {
    const { schedule, timezone } = this.getValue();
    const ticket = ++this._ticket;
    window.clearTimeout(this._timer);
    this._cronNext.textContent = '';
    this._showError(null);
    if (schedule === '') {
      this._scheduleProblem = null;
      this._cronText.textContent = this._trans.__(
        'No schedule: the job runs when you start it.'
      );
      this._previewed = Promise.resolve();
      return;
    }
    const problem = cronProblem(schedule, this._trans);
    this._cronText.textContent = problem ? '' : (describeCron(schedule) ?? '');
    if (problem) {
      this._showError(problem);
      this._previewed = Promise.resolve();
      return;
    }
    // Not known to be valid until the server said so.
    this._scheduleProblem = this._trans.__('Checking the schedule…');
    this._previewed = new Promise<void>(resolve => {
      this._timer = window.setTimeout(async () => {
        try {
          const preview = await this._preview(schedule, timezone);
          if (ticket === this._ticket) {
            this._showNext(preview);
          }
        } catch (error) {
          if (ticket === this._ticket) {
            this._showError(
              error instanceof DataOpsRequestError && error.status === 400
                ? error.message.replace(/^'(cron|timezone)': /, '')
                : this._trans.__(
                    'Cannot preview the schedule: %1',
                    (error as Error).message ?? String(error)
                  ),
              !(error instanceof DataOpsRequestError && error.status === 400)
            );
          }
        }
        resolve();
      }, delay);
    });
  }

  private _showNext(preview: SchedulePreview): void {
    this._scheduleProblem = null;
    this._cronNext.textContent = '';
    const heading = document.createElement('li');
    heading.className = 'dataops-cron-next-heading';
    heading.textContent = this._trans.__('Next runs (%1):', preview.timezone);
    this._cronNext.appendChild(heading);
    for (const time of preview.next) {
      const item = document.createElement('li');
      item.className = 'dataops-cron-next-time';
      item.dataset.time = time;
      item.textContent = formatRunTime(time, preview.timezone);
      this._cronNext.appendChild(item);
    }
  }

  /**
   * Show why the schedule cannot be used (null: clear); `soft` when the
   * preview only failed to load, which does not stop the dialog.
   */
  private _showError(message: string | null, soft = false): void {
    this._cronError.textContent = message ?? '';
    this._scheduleProblem = soft ? null : message;
    const invalid = message !== null && !soft;
    this._schedule.classList.toggle('dataops-mod-invalid', invalid);
  }

  private _cronError: HTMLDivElement;
  private _cronNext: HTMLUListElement;
  private _cronText: HTMLDivElement;
  private _delay: number;
  private _description: HTMLInputElement;
  private _folder: HTMLInputElement | null = null;
  private _markSteps: HTMLInputElement | null = null;
  private _name: HTMLInputElement;
  private _nameProblem: HTMLDivElement;
  private _preview: NewJobForm.IOptions['preview'];
  private _previewed: Promise<void> = Promise.resolve();
  private _schedule: HTMLInputElement;
  private _scheduleProblem: string | null = null;
  private _team: HTMLInputElement;
  private _ticket = 0;
  private _timer = 0;
  private _timezone: HTMLInputElement;
  private _trans: TranslationBundle;
}

export namespace NewJobForm {
  export interface IOptions {
    /** Ask the server when a cron fires next in a timezone. */
    preview: (cron: string, timezone: string) => Promise<SchedulePreview>;
    /** What the fields start with (what was typed, when the form comes back). */
    values?: Partial<INewJob>;
    /** The notebook being made a job: no folder field then. */
    notebook?: string;
    /** Offer to mark every code cell as a step. */
    offerSteps?: boolean;
    /** Why the server refused what was typed last time. */
    error?: string;
    translator?: ITranslator;
    /** How long typing must pause before the schedule is previewed (ms). */
    delay?: number;
  }
}

/**
 * Show a new-job form until what is typed is accepted: `submit` is called
 * with it, and a refusal of the server (400, 404, 409) or a problem the form
 * knows brings the form back with what was typed and the reason. Resolves to
 * what `submit` resolved to, or undefined if cancelled.
 */
export async function askForNewJob<T>(
  options: {
    title: string;
    label: string;
    form: (values: Partial<INewJob>, error?: string) => NewJobForm;
    values: Partial<INewJob>;
  },
  submit: (values: INewJob) => Promise<T>
): Promise<T | undefined> {
  let values = options.values;
  let error: string | undefined;
  for (;;) {
    const body = options.form(values, error);
    const result = await showDialog({
      title: options.title,
      body,
      focusNodeSelector: 'input[name="name"]',
      buttons: [
        Dialog.cancelButton(),
        Dialog.okButton({ label: options.label })
      ]
    });
    if (!result.button.accept || result.value === null) {
      return undefined;
    }
    values = result.value;
    await body.previewed;
    const problem = body.problem;
    if (problem) {
      error = problem;
      continue;
    }
    try {
      return await submit(result.value);
    } catch (refusal) {
      if (
        !(refusal instanceof DataOpsRequestError) ||
        ![400, 404, 409].includes(refusal.status)
      ) {
        throw refusal;
      }
      error = refusal.message;
    }
  }
}
