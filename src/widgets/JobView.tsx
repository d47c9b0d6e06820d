import { MimeModel, IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { TranslationBundle } from '@jupyterlab/translation';
import {
  HTMLSelect,
  ReactWidget,
  UseSignal,
  listIcon,
  refreshIcon,
  runIcon
} from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import { JSONObject } from '@lumino/coreutils';
import { Message } from '@lumino/messaging';
import * as React from 'react';

import { CommandIDs } from '../commandIds';
import { ExecutionBadge } from '../components/ExecutionBadge';
import { RunBadge } from '../components/RunBadge';
import { formatDuration } from '../components/RunList';
import { formatRelativeTime } from '../components/time';
import {
  VEGALITE_MIME_TYPE,
  outcomeLabels,
  durationsSpec,
  entryIdOf,
  readChartTheme,
  stepTimelineSpec
} from '../jobCharts';
import {
  HISTORY_FILTERS,
  HistoryFilter,
  IHistoryEntry,
  entryKey
} from '../jobHistory';
import { JobViewModel } from '../jobViewModel';
import { describeError } from '../pollingModel';
import {
  TranslationContext,
  translations,
  useTranslation
} from '../translation';
import { ExecutionStatus, Job, RunStatus } from '../types';

/** Words of the status filter's choices. */
function filterLabels(trans: TranslationBundle): {
  [filter in HistoryFilter]: string;
} {
  return {
    all: trans.__('All statuses'),
    succeeded: trans.__('Succeeded'),
    failed: trans.__('Failed'),
    active: trans.__('In progress'),
    other: trans.__('Cancelled or skipped')
  };
}

/**
 * A job in the main area: its steps, one history of its local runs and its
 * executions (newest first, by status, page by page), a chart of their
 * durations and a timeline of the steps of the selected one.
 */
export class JobView extends ReactWidget {
  constructor(options: JobView.IOptions) {
    super();
    this._model = options.model;
    this._commands = options.commands;
    this._rendermime = options.rendermime ?? null;
    this._trans = options.trans ?? translations();
    this.addClass('dataops-job-view');
  }

  /** The job's model. */
  get model(): JobViewModel {
    return this._model;
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._model.dispose();
    super.dispose();
  }

  protected render(): JSX.Element {
    return (
      <TranslationContext.Provider value={this._trans}>
        <UseSignal signal={this._model.changed}>
          {() => (
            <JobViewContent
              model={this._model}
              rendermime={this._rendermime}
              onCommand={(id, args) => void this._commands.execute(id, args)}
            />
          )}
        </UseSignal>
      </TranslationContext.Provider>
    );
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    this._model.setVisible(this.isVisible);
  }

  protected onBeforeDetach(msg: Message): void {
    this._model.setVisible(false);
    super.onBeforeDetach(msg);
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this._model.setVisible(true);
  }

  protected onAfterHide(msg: Message): void {
    this._model.setVisible(false);
    super.onAfterHide(msg);
  }

  private _commands: CommandRegistry;
  private _model: JobViewModel;
  private _rendermime: IRenderMimeRegistry | null;
  private _trans: TranslationBundle;
}

export namespace JobView {
  export interface IOptions {
    model: JobViewModel;
    commands: CommandRegistry;
    /** The renderers of the application; the charts need its Vega-Lite one. */
    rendermime?: IRenderMimeRegistry;
    /** The bundle the view writes with (none: as written). */
    trans?: TranslationBundle;
  }
}

interface IContentProps {
  model: JobViewModel;
  rendermime: IRenderMimeRegistry | null;
  onCommand: (id: string, args: JSONObject) => void;
}

function JobViewContent(props: IContentProps): JSX.Element {
  const { model, rendermime, onCommand } = props;
  const [selected, setSelected] = React.useState<string | null>(null);
  const [moreError, setMoreError] = React.useState<string | null>(null);
  const themeVersion = useThemeVersion();
  const trans = useTranslation();
  const labels = filterLabels(trans);
  const job = model.job;
  const history = model.history;
  const entries = history.entries;
  const chosen = entries.find(entry => entryKey(entry) === selected) ?? null;
  const theme = React.useMemo(() => readChartTheme(), [themeVersion]);

  const openLog = (entry: IHistoryEntry) =>
    entry.kind === 'run'
      ? onCommand(CommandIDs.openRunLog, { job: model.name, runId: entry.id })
      : onCommand(CommandIDs.openExecutionLog, {
          job: model.name,
          executionId: entry.id
        });
  const select = (entry: IHistoryEntry) => setSelected(entryKey(entry));
  const selectById = (id: string) => {
    const found = entries.find(entry => entry.id === id);
    if (found) {
      select(found);
    }
  };
  const loadMore = () => {
    setMoreError(null);
    model.loadMore().catch(error => setMoreError(describeError(error)));
  };

  return (
    <div className="dataops-job-view-content">
      <header className="dataops-job-view-header">
        <h2 className="dataops-job-view-title">{model.name}</h2>
        <span className="dataops-job-view-actions">
          <button
            type="button"
            className="jp-mod-styled dataops-job-view-run"
            onClick={() => onCommand(CommandIDs.runJob, { name: model.name })}
            title={trans.__('Run this job as production would')}
          >
            <runIcon.react tag="span" className="dataops-button-icon" />
            {trans.__('Run')}
          </button>
          <button
            type="button"
            className="jp-mod-styled dataops-job-view-refresh"
            onClick={() => void model.refresh()}
            title={trans.__('Reload the job and its history')}
          >
            <refreshIcon.react tag="span" className="dataops-button-icon" />
            {trans.__('Refresh')}
          </button>
        </span>
      </header>
      {job?.description && (
        <p className="dataops-job-view-description">{job.description}</p>
      )}
      {model.error && (
        <div className="dataops-job-view-error" role="alert">
          {model.error}
        </div>
      )}
      {!model.hasLoaded && (
        <div className="dataops-job-view-loading">{trans.__('Loading…')}</div>
      )}
      {job && <StepTable job={job} onCommand={onCommand} />}

      <section className="dataops-job-view-section">
        <h3>{trans.__('History')}</h3>
        <div className="dataops-job-view-toolbar">
          <label>
            {trans.__('Status')}{' '}
            <HTMLSelect
              className="dataops-job-view-filter"
              value={model.filter}
              onChange={event =>
                void model.setFilter(event.target.value as HistoryFilter)
              }
              options={HISTORY_FILTERS.map(filter => ({
                value: filter,
                label: labels[filter]
              }))}
            />
          </label>
          {model.executionsNote && (
            <span className="dataops-job-view-note">
              {model.executionsNote}
            </span>
          )}
        </div>
        {rendermime && entries.length > 0 && (
          <VegaChart
            className="dataops-job-view-durations"
            rendermime={rendermime}
            spec={durationsSpec(entries, theme, chosen?.id ?? null, trans)}
            onSelect={selectById}
          />
        )}
        <HistoryTable
          entries={entries}
          selected={selected}
          hasLoaded={model.hasLoaded}
          onSelect={select}
          onOpenLog={openLog}
        />
        {history.next && (
          <button
            type="button"
            className="jp-mod-styled dataops-job-view-more"
            disabled={model.isLoadingMore}
            onClick={loadMore}
          >
            {model.isLoadingMore ? trans.__('Loading…') : trans.__('Load more')}
          </button>
        )}
        {moreError && (
          <div className="dataops-job-view-error" role="alert">
            {moreError}
          </div>
        )}
      </section>

      <section className="dataops-job-view-section dataops-job-view-steps-of">
        <h3>
          {chosen
            ? chosen.kind === 'run'
              ? trans.__('Steps of local run %1', chosen.id)
              : trans.__('Steps of execution %1', chosen.id)
            : trans.__('Steps over time')}
        </h3>
        {!chosen && (
          <p className="dataops-job-view-hint">
            {trans.__(
              'Select a run or an execution (its row or its bar) to see its steps over time.'
            )}
          </p>
        )}
        {chosen && rendermime && (
          <StepTimeline
            entry={chosen}
            rendermime={rendermime}
            spec={stepTimelineSpec(chosen, theme, undefined, trans)}
          />
        )}
      </section>
    </div>
  );
}

/** The job's steps in order, each with the first line of its cell. */
function StepTable(props: {
  job: Job;
  onCommand: IContentProps['onCommand'];
}): JSX.Element {
  const { job, onCommand } = props;
  const trans = useTranslation();
  return (
    <section className="dataops-job-view-section">
      <h3>{trans.__('Steps')}</h3>
      <ol className="dataops-job-view-steps">
        {job.steps.map(step => (
          <li
            key={`${step.notebook}-${step.cell_id}-${step.cell_index}`}
            className="dataops-job-view-step"
            data-step={step.name}
          >
            <button
              type="button"
              className="dataops-link-button dataops-job-view-step-name"
              title={trans.__("Open %1 at this step's cell", step.notebook)}
              onClick={() =>
                onCommand(CommandIDs.goToCell, {
                  job: job.name,
                  notebook: step.notebook,
                  cellId: step.cell_id,
                  cellIndex: step.cell_index
                })
              }
            >
              {step.name}
            </button>
            {job.notebooks.length > 1 && (
              <span className="dataops-job-view-step-notebook">
                {step.notebook}
              </span>
            )}
            <code className="dataops-job-view-step-source">
              {step.first_line}
            </code>
          </li>
        ))}
      </ol>
    </section>
  );
}

/** The rows of the history; a click selects one, a double click opens its log. */
function HistoryTable(props: {
  entries: ReadonlyArray<IHistoryEntry>;
  selected: string | null;
  hasLoaded: boolean;
  onSelect: (entry: IHistoryEntry) => void;
  onOpenLog: (entry: IHistoryEntry) => void;
}): JSX.Element {
  const { entries, selected, hasLoaded, onSelect, onOpenLog } = props;
  const trans = useTranslation();
  if (entries.length === 0) {
    return (
      <div className="dataops-job-view-empty">
        {hasLoaded ? trans.__('No runs or executions with this status.') : ''}
      </div>
    );
  }
  return (
    <table className="dataops-job-view-history">
      <thead>
        <tr>
          <th>{trans.__('Kind')}</th>
          <th>{trans.__('Status')}</th>
          <th>{trans.__('Started')}</th>
          <th>{trans.__('Duration')}</th>
          <th>{trans.__('Failed step')}</th>
          <th>
            <span className="dataops-visually-hidden">{trans.__('Log')}</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {entries.map(entry => {
          const key = entryKey(entry);
          const when = entry.started_at ?? entry.created_at;
          return (
            <tr
              key={key}
              className="dataops-job-view-row"
              data-kind={entry.kind}
              data-id={entry.id}
              data-status={entry.status}
              aria-selected={key === selected}
              tabIndex={0}
              onClick={() => onSelect(entry)}
              onDoubleClick={() => onOpenLog(entry)}
              onKeyDown={event => {
                if (event.key === 'Enter' || event.key === ' ') {
                  event.preventDefault();
                  onSelect(entry);
                }
              }}
            >
              <td>
                {entry.kind === 'run'
                  ? trans.__('Local run')
                  : trans.__('Execution')}
              </td>
              <td>
                {entry.kind === 'run' ? (
                  <RunBadge status={entry.status as RunStatus} />
                ) : (
                  <ExecutionBadge status={entry.status as ExecutionStatus} />
                )}
              </td>
              <td title={new Date(when).toLocaleString()}>
                {formatRelativeTime(when)}
              </td>
              <td>
                {entry.duration !== null
                  ? formatDuration(entry.duration, trans)
                  : entry.outcome === 'active'
                    ? outcomeLabels(trans).active
                    : ''}
              </td>
              <td className="dataops-job-view-failed-step">
                {entry.failedStep ?? ''}
              </td>
              <td>
                <button
                  type="button"
                  className="dataops-icon-button dataops-job-view-log"
                  aria-label={trans.__('Open the log of %1', entry.id)}
                  title={trans.__('Open the log')}
                  onClick={event => {
                    event.stopPropagation();
                    onOpenLog(entry);
                  }}
                >
                  <listIcon.react tag="span" />
                </button>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** The timeline of the selected entry's steps. */
function StepTimeline(props: {
  entry: IHistoryEntry;
  rendermime: IRenderMimeRegistry;
  spec: JSONObject | null;
}): JSX.Element {
  const { entry, rendermime, spec } = props;
  const trans = useTranslation();
  if (!spec) {
    return (
      <p className="dataops-job-view-hint">
        {entry.outcome === 'active'
          ? trans.__('No step has started yet.')
          : trans.__('No step of it ran.')}
      </p>
    );
  }
  return (
    <VegaChart
      className="dataops-job-view-timeline"
      rendermime={rendermime}
      spec={spec}
    />
  );
}

/**
 * A Vega-Lite chart drawn by the application's own Vega renderer. A click
 * on a mark calls `onSelect` with the run or execution id the mark's
 * description (its ARIA label) names.
 */
function VegaChart(props: {
  className: string;
  rendermime: IRenderMimeRegistry;
  spec: JSONObject | null;
  onSelect?: (id: string) => void;
}): JSX.Element | null {
  const { className, rendermime, spec, onSelect } = props;
  const trans = useTranslation();
  const host = React.useRef<HTMLDivElement>(null);
  const [error, setError] = React.useState<string | null>(null);
  const json = spec ? JSON.stringify(spec) : null;
  const available = rendermime.getFactory(VEGALITE_MIME_TYPE) !== undefined;

  React.useEffect(() => {
    const node = host.current;
    if (!json || !node || !available) {
      return;
    }
    // The renderer's node goes into React's: the chart needs no Lumino
    // messages, and React may remove the host before this effect's cleanup.
    const renderer = rendermime.createRenderer(VEGALITE_MIME_TYPE);
    let current = true;
    node.appendChild(renderer.node);
    const model = new MimeModel({
      data: { [VEGALITE_MIME_TYPE]: JSON.parse(json) },
      metadata: {
        [VEGALITE_MIME_TYPE]: {
          embed_options: { actions: false, renderer: 'svg' }
        }
      }
    });
    // The charts are as wide as their container: drawn again whenever its
    // width changes, and not while it has none (a hidden view, a theme being
    // switched), where they would stay zero pixels wide.
    let drawnWidth = -1;
    const draw = () => {
      if (node.clientWidth === drawnWidth) {
        return;
      }
      drawnWidth = node.clientWidth;
      renderer.renderModel(model).then(
        () => current && setError(null),
        reason => current && setError(describeError(reason))
      );
    };
    let observer: ResizeObserver | null = null;
    if (typeof ResizeObserver === 'undefined') {
      draw();
    } else {
      observer = new ResizeObserver(() => node.clientWidth > 0 && draw());
      observer.observe(node);
      if (node.clientWidth > 0) {
        draw();
      }
    }
    return () => {
      current = false;
      observer?.disconnect();
      renderer.dispose();
      renderer.node.remove();
    };
  }, [json, available]);

  if (!spec) {
    return null;
  }
  if (!available) {
    return (
      <div className="dataops-job-view-hint">
        {trans.__(
          'This JupyterLab has no Vega-Lite renderer to draw charts with.'
        )}
      </div>
    );
  }
  const onClick = (event: React.MouseEvent) => {
    const mark = (event.target as Element).closest('[aria-label]');
    const id = mark ? entryIdOf(mark.getAttribute('aria-label') ?? '') : null;
    if (id && onSelect) {
      onSelect(id);
    }
  };
  return (
    <div className={`dataops-job-view-chart ${className}`}>
      <div ref={host} onClick={onSelect ? onClick : undefined} />
      {error && (
        <div className="dataops-job-view-error" role="alert">
          {error}
        </div>
      )}
    </div>
  );
}

/** A number that changes when the user switches the JupyterLab theme. */
function useThemeVersion(): number {
  const [version, setVersion] = React.useState(0);
  React.useEffect(() => {
    const observer = new MutationObserver(() => setVersion(v => v + 1));
    observer.observe(document.body, {
      attributes: true,
      attributeFilter: ['data-jp-theme-name', 'data-jp-theme-light']
    });
    return () => observer.disconnect();
  }, []);
  return version;
}
