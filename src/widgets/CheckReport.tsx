import { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import { ISignal, Signal } from '@lumino/signaling';
import * as React from 'react';

import {
  EMPTY_VALUE,
  checkStatusLabel,
  checkedTables,
  checksState,
  checksSummary,
  countChecks,
  countsLine,
  formatMeasured,
  formatValue,
  sampleColumns,
  sortChecks
} from '../checks';
import { describeError } from '../pollingModel';
import { DataOpsService } from '../service';
import {
  TranslationContext,
  translations,
  useTranslation
} from '../translation';
import { CheckResult, CheckStatus, StepResult } from '../types';

/** Where a check report comes from: a step of a run or of an execution. */
export interface ICheckSource {
  /** Shown above the report, e.g. `products · run 20261201T… · step load`. */
  readonly title: string;
  /** The step's check results. */
  load(): Promise<CheckResult[]>;
}

/** The checks of a step of a local run. */
export function runChecks(
  service: DataOpsService,
  job: string,
  runId: string,
  step: string,
  trans: TranslationBundle = translations()
): ICheckSource {
  return {
    title: trans.__('%1 · run %2 · step %3', job, runId, step),
    load: async () =>
      stepChecks(
        (await service.getRun(runId)).steps,
        step,
        trans.__('Run %1 has no step named %2.', runId, step)
      )
  };
}

/** The checks of a step of an execution on the control service. */
export function executionChecks(
  service: DataOpsService,
  job: string,
  executionId: string,
  step: string,
  trans: TranslationBundle = translations()
): ICheckSource {
  return {
    title: trans.__('%1 · execution %2 · step %3', job, executionId, step),
    load: async () =>
      stepChecks(
        (await service.getExecution(job, executionId)).steps,
        step,
        trans.__('Execution %1 has no step named %2.', executionId, step)
      )
  };
}

/** The checks of the step named `step`; throws `missing` if there is no such step. */
function stepChecks(
  steps: ReadonlyArray<StepResult>,
  step: string,
  missing: string
): CheckResult[] {
  const found = steps.find(candidate => candidate.name === step);
  if (!found) {
    throw new Error(missing);
  }
  return found.checks ?? [];
}

/**
 * The contract check report of one step: the counts by status and the
 * tables checked, then one row per rule (status, rule, description,
 * measured value, threshold) with its sample rows, SQL and reason on demand.
 * Reload fetches the record again.
 */
export class CheckReport extends ReactWidget {
  constructor(options: CheckReport.IOptions) {
    super();
    this.source = options.source;
    this._trans = options.trans ?? translations();
    this.addClass('dataops-check-report');
    this.ready = this.load();
  }

  /** Where the checks come from. */
  readonly source: ICheckSource;

  /** Settles once the first load ended (well or not). */
  readonly ready: Promise<void>;

  /** Emitted after each load. */
  get loaded(): ISignal<this, void> {
    return this._loaded;
  }

  /** The results of the last load, or null before one succeeded. */
  get checks(): ReadonlyArray<CheckResult> | null {
    return this._checks;
  }

  /** The message of the last failed load, or null. */
  get error(): string | null {
    return this._error;
  }

  /** Fetch the step's checks and show them; a failure shows its message. */
  async load(): Promise<void> {
    this._loading = true;
    this.update();
    try {
      const checks = await this.source.load();
      if (this.isDisposed) {
        return;
      }
      this._checks = checks;
      this._error = null;
    } catch (error) {
      if (this.isDisposed) {
        return;
      }
      this._error = describeError(error);
    }
    this._loading = false;
    this.update();
    this._loaded.emit();
  }

  protected render(): JSX.Element {
    const trans = this._trans;
    const message = this._loading
      ? trans.__('Loading…')
      : this._error
        ? trans.__('Could not load the checks: %1', this._error)
        : '';
    return (
      <TranslationContext.Provider value={trans}>
        <CheckReportView
          title={this.source.title}
          checks={this._checks}
          message={message}
          onReload={() => void this.load()}
        />
      </TranslationContext.Provider>
    );
  }

  private _checks: ReadonlyArray<CheckResult> | null = null;
  private _error: string | null = null;
  private _loaded = new Signal<this, void>(this);
  private _loading = false;
  private _trans: TranslationBundle;
}

export namespace CheckReport {
  export interface IOptions {
    source: ICheckSource;
    /** The bundle the report writes with (none: as written). */
    trans?: TranslationBundle;
  }
}

export interface CheckReportViewProps {
  /** What was checked: job, run or execution, and step. */
  title: string;
  /** The results; null before they loaded. */
  checks: ReadonlyArray<CheckResult> | null;
  /** Loading, or why loading failed; empty otherwise. */
  message: string;
  onReload?: () => void;
}

/** The report itself: a header with the summary, then the table of checks. */
export function CheckReportView(props: CheckReportViewProps): JSX.Element {
  const { title, checks, message, onReload } = props;
  const trans = useTranslation();
  return (
    <div className="dataops-checks">
      <div className="dataops-checks-header">
        <span className="dataops-checks-title">
          {trans.__('Contract checks — %1', title)}
        </span>
        {onReload && (
          <button
            type="button"
            className="jp-mod-styled dataops-checks-reload"
            aria-label={trans.__('Reload the contract checks')}
            onClick={onReload}
          >
            {trans.__('Reload')}
          </button>
        )}
        <div className="dataops-checks-message" role="status">
          {message}
        </div>
        {checks !== null && checks.length > 0 && <Summary checks={checks} />}
      </div>
      {checks !== null && checks.length === 0 && (
        <div className="dataops-checks-empty">
          {trans.__('No contract checked the tables of this step.')}
        </div>
      )}
      {checks !== null && checks.length > 0 && <ChecksTable checks={checks} />}
    </div>
  );
}

function Summary(props: { checks: ReadonlyArray<CheckResult> }): JSX.Element {
  const { checks } = props;
  const trans = useTranslation();
  const counts = countChecks(checks);
  const tables = checkedTables(checks);
  return (
    <div className="dataops-checks-summary">
      <div className="dataops-checks-headline" data-state={checksState(checks)}>
        {checksSummary(checks, trans)}
        <span className="dataops-checks-counts">
          {countsLine(counts, trans)}
        </span>
      </div>
      <div className="dataops-checks-tables">
        {trans._n('Table', 'Tables', tables.length)}{' '}
        {tables.map((table, index) => (
          <React.Fragment key={table}>
            {index > 0 && ', '}
            <code>{table}</code>
          </React.Fragment>
        ))}
      </div>
    </div>
  );
}

function ChecksTable(props: {
  checks: ReadonlyArray<CheckResult>;
}): JSX.Element {
  const sorted = sortChecks(props.checks);
  const trans = useTranslation();
  return (
    <table className="dataops-checks-table">
      <thead>
        <tr>
          <th scope="col">{trans.__('Status')}</th>
          <th scope="col">{trans.__('Rule')}</th>
          <th scope="col">{trans.__('Description')}</th>
          <th scope="col">{trans.__('Measured')}</th>
          <th scope="col">{trans.__('Threshold')}</th>
          <th scope="col">
            <span className="dataops-visually-hidden">
              {trans.__('Details')}
            </span>
          </th>
        </tr>
      </thead>
      {sorted.map((check, index) => (
        <CheckRow key={`${check.table} ${check.rule} ${index}`} check={check} />
      ))}
    </table>
  );
}

/** The mark before a status word (the kernel shows the same under a cell). */
const MARKS: { [status in CheckStatus]: string } = {
  passed: '✓',
  warning: '!',
  failed: '✗',
  error: '✗',
  skipped: '–'
};

function CheckRow(props: { check: CheckResult }): JSX.Element {
  const { check } = props;
  const trans = useTranslation();
  const [samplesOpen, setSamplesOpen] = React.useState(false);
  const [sqlOpen, setSqlOpen] = React.useState(false);
  const samples = check.samples ?? [];
  const hasSamples =
    samples.length > 0 &&
    (check.status === 'failed' || check.status === 'warning');
  const reason = check.reason?.trim() ?? '';
  const detail = reason !== '' || samplesOpen || sqlOpen;
  return (
    <tbody
      className="dataops-check"
      data-status={check.status}
      data-rule={check.rule}
    >
      <tr className="dataops-check-row">
        <td className="dataops-check-status" data-status={check.status}>
          <span className="dataops-check-mark" aria-hidden="true">
            {MARKS[check.status]}
          </span>{' '}
          {checkStatusLabel(check.status, trans)}
        </td>
        <td className="dataops-check-rule">
          <code>{check.rule ? breakable(check.rule) : EMPTY_VALUE}</code>
        </td>
        <td className="dataops-check-description">
          {check.description || EMPTY_VALUE}
        </td>
        <td className="dataops-check-measured">
          {formatMeasured(check, trans)}
        </td>
        <td className="dataops-check-threshold">
          {check.threshold || EMPTY_VALUE}
        </td>
        <td className="dataops-check-toggles">
          {hasSamples && (
            <Toggle
              open={samplesOpen}
              onToggle={setSamplesOpen}
              label={
                samplesOpen
                  ? trans.__('Hide sample rows of %1', check.rule)
                  : trans.__('Show sample rows of %1', check.rule)
              }
              text={trans.__('samples (%1)', samples.length)}
            />
          )}
          {check.sql && (
            <Toggle
              open={sqlOpen}
              onToggle={setSqlOpen}
              label={
                sqlOpen
                  ? trans.__('Hide the SQL of %1', check.rule)
                  : trans.__('Show the SQL of %1', check.rule)
              }
              text={trans.__('SQL')}
            />
          )}
        </td>
      </tr>
      {detail && (
        <tr className="dataops-check-detail">
          <td colSpan={6}>
            <div className="dataops-check-detail-body">
              {reason !== '' && (
                <div className="dataops-check-reason">{reason}</div>
              )}
              {hasSamples && samplesOpen && <Samples rows={samples} />}
              {check.sql && sqlOpen && (
                <pre className="dataops-check-sql">{check.sql}</pre>
              )}
            </div>
          </td>
        </tr>
      )}
    </tbody>
  );
}

/** A dotted id that may wrap after its dots: `products.<wbr>price.<wbr>…`. */
function breakable(id: string): JSX.Element[] {
  return id.split(/(?<=\.)/).map((part, index) => (
    <React.Fragment key={index}>
      {index > 0 && <wbr />}
      {part}
    </React.Fragment>
  ));
}

function Toggle(props: {
  open: boolean;
  onToggle: (open: boolean) => void;
  label: string;
  text: string;
}): JSX.Element {
  const { open, onToggle, label, text } = props;
  return (
    <button
      type="button"
      className="dataops-check-toggle"
      aria-expanded={open}
      aria-label={label}
      title={label}
      onClick={() => onToggle(!open)}
    >
      <span className="dataops-check-toggle-caret" aria-hidden="true">
        {open ? '▾' : '▸'}
      </span>
      {text}
    </button>
  );
}

/** Sample rows that break a rule, as a small table. */
function Samples(props: {
  rows: ReadonlyArray<{ [column: string]: unknown }>;
}): JSX.Element {
  const { rows } = props;
  const columns = sampleColumns(rows);
  return (
    <table className="dataops-check-samples">
      <thead>
        <tr>
          {columns.map(column => (
            <th key={column} scope="col">
              {column}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((row, index) => (
          <tr key={index}>
            {columns.map(column => (
              <td key={column}>{formatValue(row[column])}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
