import { TranslationBundle } from '@jupyterlab/translation';
import { JSONObject } from '@lumino/coreutils';

import { HistoryOutcome, IHistoryEntry } from './jobHistory';
import { translations } from './translation';

/**
 * The mime type of Vega-Lite specs that JupyterLab's own Vega renderer
 * (`@jupyterlab/vega5-extension`) renders: it registers Vega-Lite 3 to 5.
 */
export const VEGALITE_MIME_TYPE = 'application/vnd.vegalite.v5+json';

/** The Vega-Lite schema of the specs built here. */
const SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';

/** The colours and font of the charts: the current JupyterLab theme's. */
export interface IChartTheme {
  /** By outcome: success green, failure red… */
  outcomes: { [outcome in HistoryOutcome]: string };
  /** Labels and titles. */
  text: string;
  /** Less important text (axis titles). */
  mutedText: string;
  /** Axis lines, ticks and grid. */
  line: string;
  font: string;
  fontSize: number;
}

/** The outcomes in the order of the charts' legends. */
const OUTCOMES: ReadonlyArray<HistoryOutcome> = [
  'succeeded',
  'failed',
  'active',
  'other'
];

/** Words of each outcome in the legends, in the bundle's language. */
export function outcomeLabels(trans: TranslationBundle): {
  [outcome in HistoryOutcome]: string;
} {
  return {
    succeeded: trans.__('succeeded'),
    failed: trans.__('failed'),
    active: trans.__('in progress'),
    other: trans.__('cancelled or skipped')
  };
}

/** Words of each outcome in the legends, untranslated (the message ids). */
export const OUTCOME_LABELS = outcomeLabels(translations());

/**
 * The chart theme from JupyterLab's CSS variables as they are now on
 * `element` (the theme's `--jp-success-color1`, `--jp-error-color1`, …).
 */
export function readChartTheme(element: Element = document.body): IChartTheme {
  const style = getComputedStyle(element);
  const read = (name: string, fallback: string) =>
    style.getPropertyValue(name).trim() || fallback;
  const size = parseFloat(read('--jp-ui-font-size1', '13px'));
  return {
    outcomes: {
      succeeded: read('--jp-success-color1', '#388e3c'),
      failed: read('--jp-error-color1', '#d32f2f'),
      active: read('--jp-brand-color1', '#1976d2'),
      other: read('--jp-warn-color1', '#f57c00')
    },
    text: read('--jp-ui-font-color1', '#212121'),
    mutedText: read('--jp-ui-font-color2', '#616161'),
    line: read('--jp-border-color1', '#bdbdbd'),
    font: read('--jp-ui-font-family', 'sans-serif'),
    fontSize: isNaN(size) ? 13 : size
  };
}

/** Vega-Lite config that makes a chart read well in the theme (dark too). */
function themeConfig(theme: IChartTheme): JSONObject {
  const axis = {
    labelColor: theme.text,
    titleColor: theme.mutedText,
    domainColor: theme.line,
    tickColor: theme.line,
    gridColor: theme.line,
    gridOpacity: 0.4,
    labelFont: theme.font,
    titleFont: theme.font,
    labelFontSize: theme.fontSize - 1,
    titleFontSize: theme.fontSize - 1
  };
  return {
    background: 'transparent',
    font: theme.font,
    view: { stroke: 'transparent' },
    axis,
    legend: {
      labelColor: theme.text,
      titleColor: theme.mutedText,
      labelFont: theme.font,
      titleFont: theme.font,
      labelFontSize: theme.fontSize - 1,
      titleFontSize: theme.fontSize - 1
    },
    title: { color: theme.text, font: theme.font, fontSize: theme.fontSize }
  };
}

/** The colour encoding by outcome, with the theme's colours. */
function outcomeColor(
  theme: IChartTheme,
  trans: TranslationBundle
): JSONObject {
  const labels = outcomeLabels(trans);
  return {
    field: 'outcome',
    type: 'nominal',
    title: trans.__('Status'),
    scale: {
      domain: OUTCOMES.map(outcome => labels[outcome]),
      range: OUTCOMES.map(outcome => theme.outcomes[outcome])
    }
  };
}

/** What a chart's mark says to screen readers; it holds the entry's id. */
export function describeEntry(
  entry: IHistoryEntry,
  trans: TranslationBundle = translations()
): string {
  return entry.kind === 'run'
    ? trans.__('Local run %1, %2', entry.id, entry.status)
    : trans.__('Execution %1, %2', entry.id, entry.status);
}

/** The id of the run or execution that a chart mark's description names. */
export function entryIdOf(description: string): string | null {
  const match = /(\d{8}T\d{6}-[0-9a-f]+)/.exec(description);
  return match ? match[1] : null;
}

/** A start time as the charts label it: local time, to the second. */
function timeLabel(iso: string): string {
  const date = new Date(iso);
  const pad = (value: number) => String(value).padStart(2, '0');
  return (
    `${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
  );
}

/**
 * A bar chart of how long the ended runs and executions took, oldest on the
 * left, coloured by how they ended; `selected` (an entry's id) is outlined.
 * Null when none has a duration yet.
 */
export function durationsSpec(
  entries: ReadonlyArray<IHistoryEntry>,
  theme: IChartTheme,
  selected: string | null = null,
  trans: TranslationBundle = translations()
): JSONObject | null {
  const labels = outcomeLabels(trans);
  const ended = entries
    .filter(entry => entry.duration !== null)
    .slice()
    .reverse();
  if (ended.length === 0) {
    return null;
  }
  const seen = new Map<string, number>();
  const values = ended.map(entry => {
    let label = timeLabel(entry.started_at ?? entry.created_at);
    const count = (seen.get(label) ?? 0) + 1;
    seen.set(label, count);
    if (count > 1) {
      label = `${label} (${count})`;
    }
    return {
      id: entry.id,
      label,
      kind:
        entry.kind === 'run' ? trans.__('local run') : trans.__('execution'),
      status: entry.status,
      outcome: labels[entry.outcome],
      duration: entry.duration,
      description: describeEntry(entry, trans),
      selected: entry.id === selected
    };
  });
  return {
    $schema: SCHEMA,
    description: trans.__('Duration of the recent runs and executions'),
    width: 'container',
    height: 160,
    autosize: { type: 'fit-x', contains: 'padding' },
    config: themeConfig(theme),
    data: { values },
    mark: { type: 'bar', cursor: 'pointer', tooltip: true },
    encoding: {
      x: {
        field: 'label',
        type: 'ordinal',
        sort: null,
        title: trans.__('Started'),
        axis: { labelAngle: -30, labelOverlap: true }
      },
      y: {
        field: 'duration',
        type: 'quantitative',
        title: trans.__('Duration (s)')
      },
      color: outcomeColor(theme, trans),
      stroke: {
        condition: { test: 'datum.selected', value: theme.text },
        value: null
      },
      strokeWidth: { value: 2 },
      description: { field: 'description' },
      tooltip: [
        { field: 'kind', title: trans.__('Kind') },
        { field: 'id', title: trans.__('Id') },
        { field: 'status', title: trans.__('Status') },
        { field: 'label', title: trans.__('Started') },
        { field: 'duration', title: trans.__('Duration (s)'), format: '.1f' }
      ]
    }
  } as JSONObject;
}

/**
 * A timeline of the steps of one run or execution: one bar per step that
 * started, from its start for its duration (a running step up to `now`),
 * coloured by how it ended. Null when no step has started.
 */
export function stepTimelineSpec(
  entry: IHistoryEntry,
  theme: IChartTheme,
  now: number = Date.now(),
  trans: TranslationBundle = translations()
): JSONObject | null {
  const labels = outcomeLabels(trans);
  const values = entry.steps
    .filter(step => step.started_at !== null)
    .map(step => {
      const start = Date.parse(step.started_at as string);
      const seconds =
        step.duration ?? (step.status === 'running' ? (now - start) / 1000 : 0);
      return {
        step: step.name,
        status: step.status,
        outcome: labels[stepOutcome(step.status)],
        start: new Date(start).toISOString(),
        end: new Date(start + Math.max(seconds, 0) * 1000).toISOString(),
        duration: Math.round(seconds * 10) / 10
      };
    });
  if (values.length === 0) {
    return null;
  }
  return {
    $schema: SCHEMA,
    description: trans.__('Steps of %1 over time', describeEntry(entry, trans)),
    width: 'container',
    height: { step: 28 },
    autosize: { type: 'fit-x', contains: 'padding' },
    config: themeConfig(theme),
    data: { values },
    mark: { type: 'bar', cornerRadius: 2, tooltip: true },
    encoding: {
      y: {
        field: 'step',
        type: 'ordinal',
        sort: null,
        title: trans.__('Step')
      },
      x: {
        field: 'start',
        type: 'temporal',
        title: trans.__('Time'),
        axis: { format: '%H:%M:%S', labelOverlap: true, labelFlush: true }
      },
      x2: { field: 'end' },
      color: outcomeColor(theme, trans),
      tooltip: [
        { field: 'step', title: trans.__('Step') },
        { field: 'status', title: trans.__('Status') },
        {
          field: 'start',
          title: trans.__('Started'),
          type: 'temporal',
          format: '%H:%M:%S'
        },
        { field: 'duration', title: trans.__('Duration (s)') }
      ]
    }
  } as JSONObject;
}

/** How a step ended, in the outcomes the charts colour. */
function stepOutcome(
  status: IHistoryEntry['steps'][number]['status']
): HistoryOutcome {
  switch (status) {
    case 'succeeded':
      return 'succeeded';
    case 'failed':
      return 'failed';
    case 'running':
    case 'pending':
      return 'active';
    default:
      return 'other';
  }
}
