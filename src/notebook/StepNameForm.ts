/**
 * The dialog that renames a step: the name is checked while it is typed, and
 * a name the job model would refuse is never written.
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { StepNameProblem } from './jobCells';

/** What the user reads when a step name cannot be used. */
export function stepNameMessage(
  problem: StepNameProblem,
  job: string,
  trans: TranslationBundle
): string {
  if (problem.kind === 'invalid') {
    return trans.__(
      '"%1" is not a valid step name: use up to 64 letters, digits, "_", "-" or ".", starting with a letter, a digit or "_".',
      problem.name
    );
  }
  if (problem.notebook === null) {
    return trans.__(
      'Another step of this notebook is already named "%1": step names must be unique in job %2.',
      problem.name,
      job
    );
  }
  return trans.__(
    'Step "%1" already exists in %2: step names must be unique in job %3.',
    problem.name,
    problem.notebook,
    job
  );
}

/** The body of the rename dialog: the name, and why it cannot be used. */
export class StepNameForm extends Widget implements Dialog.IBodyWidget<string> {
  constructor(options: StepNameForm.IOptions) {
    super();
    const { trans } = options;
    this._problem = options.problem;
    this.addClass('dataops-step-name-form');
    const label = document.createElement('label');
    label.textContent = trans.__('Step name');
    this._input = document.createElement('input');
    this._input.className = 'jp-mod-styled';
    this._input.type = 'text';
    this._input.value = options.name;
    this._input.placeholder = options.defaultName;
    this._input.setAttribute('aria-label', trans.__('Step name'));
    label.appendChild(this._input);
    const hint = document.createElement('p');
    hint.className = 'dataops-step-name-hint';
    hint.textContent = trans.__(
      'Leave it empty to call the step %1.',
      options.defaultName
    );
    this._message = document.createElement('p');
    this._message.className = 'dataops-step-name-problem';
    this._message.setAttribute('role', 'alert');
    this.node.append(label, hint, this._message);
    this._input.addEventListener('input', () => this._check());
    this._check();
  }

  /** The name as typed, without surrounding blanks. */
  getValue(): string {
    return this._input.value.trim();
  }

  /** Why the typed name cannot be used, as shown; `''` when it can. */
  get message(): string {
    return this._message.textContent ?? '';
  }

  /** The name field. */
  get input(): HTMLInputElement {
    return this._input;
  }

  private _check(): void {
    const message = this._problem(this.getValue());
    this._message.textContent = message ?? '';
    this._input.setAttribute('aria-invalid', message ? 'true' : 'false');
  }

  private _input: HTMLInputElement;
  private _message: HTMLElement;
  private _problem: (name: string) => string | null;
}

/** The options of the rename form. */
export namespace StepNameForm {
  export interface IOptions {
    trans: TranslationBundle;
    /** The name shown first. */
    name: string;
    /** The name the step gets without one, `step-<number>`. */
    defaultName: string;
    /** Why a name cannot be used, or null when it can. */
    problem: (name: string) => string | null;
  }
}

/**
 * Ask for a step's new name until it is one that can be used; resolves to
 * the name (`''`: a bare step) or null when the user cancels.
 */
export async function askStepName(
  title: string,
  options: StepNameForm.IOptions
): Promise<string | null> {
  const { trans } = options;
  let name = options.name;
  for (;;) {
    const result = await showDialog({
      title,
      body: new StepNameForm({ ...options, name }),
      focusNodeSelector: 'input',
      buttons: [
        Dialog.cancelButton({ label: trans.__('Cancel') }),
        Dialog.okButton({ label: trans.__('Rename') })
      ]
    });
    if (!result.button.accept || result.value === null) {
      return null;
    }
    name = result.value;
    if (options.problem(name) === null) {
      return name;
    }
  }
}
