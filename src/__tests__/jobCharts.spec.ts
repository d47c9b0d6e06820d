import {
  IChartTheme,
  describeEntry,
  durationsSpec,
  entryIdOf,
  readChartTheme,
  stepTimelineSpec
} from '../jobCharts';
import { executionEntry, runEntry } from '../jobHistory';
import { makeExecution, makeRun, makeStep } from './fixtures';

const theme: IChartTheme = {
  outcomes: {
    succeeded: '#0a0',
    failed: '#a00',
    active: '#00a',
    other: '#aa0'
  },
  text: '#eee',
  mutedText: '#bbb',
  line: '#555',
  font: 'Inter',
  fontSize: 13
};

const RUN_1 = '20240501T100000-aaaaaaaa';
const RUN_2 = '20240501T100100-aaaaaaab';
const EXECUTION = '20240501T100200-bbbbbbbb';

/** Newest first, as the history holds them. */
const entries = [
  executionEntry(
    makeExecution('orders', '20240501T100300-bbbbbbbc', 'running', {
      created_at: '2024-05-01T10:03:00Z'
    })
  ),
  executionEntry(
    makeExecution('orders', EXECUTION, 'user_error', {
      created_at: '2024-05-01T10:02:00Z',
      started_at: '2024-05-01T10:02:00Z',
      finished_at: '2024-05-01T10:02:03Z'
    })
  ),
  runEntry(
    makeRun('orders', RUN_2, 'failed', {
      created_at: '2024-05-01T10:01:00Z',
      started_at: '2024-05-01T10:01:00Z',
      duration: 7.5
    })
  ),
  runEntry(
    makeRun('orders', RUN_1, 'succeeded', {
      created_at: '2024-05-01T10:00:00Z',
      started_at: '2024-05-01T10:00:00Z',
      duration: 4
    })
  )
];

describe('durationsSpec', () => {
  it('has a bar per ended run or execution, oldest first, with its duration and outcome', () => {
    const spec = durationsSpec(entries, theme, RUN_2) as any;
    expect(spec.mark.type).toBe('bar');
    expect(
      spec.data.values.map((v: any) => [
        v.id,
        v.kind,
        v.duration,
        v.outcome,
        v.selected
      ])
    ).toEqual([
      [RUN_1, 'local run', 4, 'succeeded', false],
      [RUN_2, 'local run', 7.5, 'failed', true],
      [EXECUTION, 'execution', 3, 'failed', false]
    ]);
    expect(spec.encoding.y).toMatchObject({
      field: 'duration',
      type: 'quantitative'
    });
    expect(spec.encoding.x).toMatchObject({
      field: 'label',
      type: 'ordinal',
      sort: null
    });
    const labels = spec.data.values.map((v: any) => v.label);
    expect(new Set(labels).size).toBe(3);
  });

  it('colours by outcome with the theme and names the entry for clicks', () => {
    const spec = durationsSpec(entries, theme) as any;
    expect(spec.encoding.color.field).toBe('outcome');
    const { domain, range } = spec.encoding.color.scale;
    expect(range[domain.indexOf('succeeded')]).toBe('#0a0');
    expect(range[domain.indexOf('failed')]).toBe('#a00');
    expect(spec.encoding.description).toEqual({ field: 'description' });
    const description = spec.data.values[2].description;
    expect(description).toBe(`Execution ${EXECUTION}, user_error`);
    expect(entryIdOf(description)).toBe(EXECUTION);
    expect(entryIdOf('Duration of the recent runs')).toBeNull();
  });

  it('reads well in the theme: transparent, with the theme’s text and lines', () => {
    const spec = durationsSpec(entries, theme) as any;
    expect(spec.config.background).toBe('transparent');
    expect(spec.config.axis).toMatchObject({
      labelColor: '#eee',
      titleColor: '#bbb',
      domainColor: '#555',
      labelFont: 'Inter'
    });
    expect(spec.config.legend.labelColor).toBe('#eee');
  });

  it('is null before anything ended', () => {
    expect(durationsSpec(entries.slice(0, 1), theme)).toBeNull();
  });

  it('keeps two bars of the same second apart', () => {
    const twin = runEntry(
      makeRun('orders', '20240501T100000-aaaaaaac', 'succeeded', {
        created_at: '2024-05-01T10:00:00Z',
        started_at: '2024-05-01T10:00:00Z',
        duration: 1
      })
    );
    const spec = durationsSpec([twin, entries[3]], theme) as any;
    const [first, second] = spec.data.values.map((v: any) => v.label);
    expect(second).toBe(`${first} (2)`);
  });
});

describe('stepTimelineSpec', () => {
  it('has a bar per started step from its start for its duration', () => {
    const run = runEntry(
      makeRun('orders', RUN_2, 'failed', {
        steps: [
          makeStep('extract', 'succeeded', {
            started_at: '2024-05-01T10:01:00Z',
            duration: 2
          }),
          makeStep('load', 'failed', {
            started_at: '2024-05-01T10:01:02Z',
            duration: 0.5
          }),
          makeStep('report', 'skipped')
        ]
      })
    );
    const spec = stepTimelineSpec(run, theme) as any;
    expect(
      spec.data.values.map((v: any) => [v.step, v.start, v.end, v.outcome])
    ).toEqual([
      [
        'extract',
        '2024-05-01T10:01:00.000Z',
        '2024-05-01T10:01:02.000Z',
        'succeeded'
      ],
      ['load', '2024-05-01T10:01:02.000Z', '2024-05-01T10:01:02.500Z', 'failed']
    ]);
    expect(spec.encoding.x).toMatchObject({ field: 'start', type: 'temporal' });
    expect(spec.encoding.x2).toEqual({ field: 'end' });
    expect(spec.encoding.y).toMatchObject({ field: 'step', sort: null });
    expect(spec.encoding.color.scale.range).toContain('#a00');
    expect(spec.description).toBe(`Steps of ${describeEntry(run)} over time`);
  });

  it('draws a running step up to now, and nothing before a step started', () => {
    const running = runEntry(
      makeRun('orders', RUN_2, 'running', {
        steps: [
          makeStep('extract', 'running', {
            started_at: '2024-05-01T10:01:00Z'
          })
        ]
      })
    );
    const now = Date.parse('2024-05-01T10:01:30Z');
    const spec = stepTimelineSpec(running, theme, now) as any;
    expect(spec.data.values[0]).toMatchObject({
      end: '2024-05-01T10:01:30.000Z',
      duration: 30,
      outcome: 'in progress'
    });
    const queued = runEntry(makeRun('orders', RUN_2, 'queued'));
    expect(stepTimelineSpec(queued, theme)).toBeNull();
  });
});

describe('readChartTheme', () => {
  it('takes the colours from the JupyterLab theme variables', () => {
    document.body.style.setProperty('--jp-success-color1', '#123456');
    document.body.style.setProperty('--jp-error-color1', '#654321');
    document.body.style.setProperty('--jp-ui-font-color1', '#fafafa');
    const read = readChartTheme(document.body);
    expect(read.outcomes.succeeded).toBe('#123456');
    expect(read.outcomes.failed).toBe('#654321');
    expect(read.text).toBe('#fafafa');
  });
});
