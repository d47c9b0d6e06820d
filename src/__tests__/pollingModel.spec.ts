import { PollingModel, putNewestFirst } from '../pollingModel';
import { DataOpsRequestError } from '../request';
import { DataOpsService } from '../service';

/**
 * The smallest model on the polling base: it shows one number fetched from
 * `source`, and is busy while that number is odd.
 */
class CounterModel extends PollingModel {
  constructor(public source: () => Promise<number>) {
    super('counter', { service: new DataOpsService() });
  }

  value: number | null = null;
  loads = 0;

  setLocally(value: number): void {
    this.value = value;
    this.changedLocally();
  }

  protected get isBusy(): boolean {
    return this.value !== null && this.value % 2 === 1;
  }

  protected async fetch(): Promise<() => void> {
    this.loads++;
    const value = await this.source();
    return () => {
      this.value = value;
    };
  }
}

const advance = (ms: number) => jest.advanceTimersByTimeAsync(ms);

describe('PollingModel', () => {
  let value: number;
  let failure: Error | null;
  let model: CounterModel;

  beforeEach(() => {
    jest.useFakeTimers();
    value = 2;
    failure = null;
    model = new CounterModel(async () => {
      if (failure) {
        throw failure;
      }
      return value;
    });
  });

  afterEach(() => {
    model.dispose();
    jest.restoreAllMocks();
    jest.useRealTimers();
  });

  it('does not load while hidden', async () => {
    await advance(60000);
    expect(model.loads).toBe(0);
    expect(model.hasLoaded).toBe(false);
  });

  it('loads when shown, then polls slowly while idle and fast while busy', async () => {
    let changes = 0;
    model.changed.connect(() => changes++);
    model.setVisible(true);
    await advance(0);
    expect(model.value).toBe(2);
    expect(model.hasLoaded).toBe(true);
    expect(changes).toBe(1);
    expect(model.pollInterval).toBe(10000);

    value = 3;
    await advance(10000);
    expect(model.loads).toBe(2);
    expect(model.pollInterval).toBe(1000);
    await advance(1000);
    expect(model.loads).toBe(3);
  });

  it('polls at the refresh interval the settings give while idle', async () => {
    model.setVisible(true);
    await advance(0);
    model.refreshInterval = 30000;
    expect(model.pollInterval).toBe(30000);
    await advance(29000);
    expect(model.loads).toBe(1);
    await advance(1000);
    expect(model.loads).toBe(2);
    // Busy work is still followed fast.
    value = 3;
    await advance(30000);
    expect(model.pollInterval).toBe(1000);
    model.refreshInterval = -1;
    expect(model.refreshInterval).toBe(30000);
  });

  it('stops when hidden, loads again when shown, and stops for good when disposed', async () => {
    model.setVisible(true);
    await advance(0);
    model.setVisible(false);
    expect(model.isPolling).toBe(false);
    await advance(60000);
    expect(model.loads).toBe(1);

    model.setVisible(true);
    await advance(0);
    expect(model.loads).toBe(2);

    model.dispose();
    expect(model.isDisposed).toBe(true);
    expect(model.isPolling).toBe(false);
    await advance(60000);
    expect(model.loads).toBe(2);
  });

  it('polls while any of its views is shown, and stops when the last one hides', async () => {
    const toolbar = model.addView();
    const other = model.addView();
    toolbar.setVisible(true);
    await advance(0);
    expect(model.isPolling).toBe(true);
    expect(model.loads).toBe(1);

    // More views shown add no loads: one poll serves them all.
    other.setVisible(true);
    model.setVisible(true);
    await advance(10000);
    expect(model.loads).toBe(2);

    toolbar.setVisible(false);
    model.setVisible(false);
    expect(model.isPolling).toBe(true);
    await advance(10000);
    expect(model.loads).toBe(3);

    // A disposed view counts out, even if it was shown.
    other.dispose();
    expect(other.isDisposed).toBe(true);
    expect(model.isPolling).toBe(false);
    await advance(60000);
    expect(model.loads).toBe(3);
    other.setVisible(true);
    expect(model.isPolling).toBe(false);

    // Shown again by one view: loads at once.
    toolbar.setVisible(true);
    toolbar.setVisible(true);
    await advance(0);
    expect(model.loads).toBe(4);
    toolbar.dispose();
    expect(model.isPolling).toBe(false);
  });

  it('backs off up to a minute while the server fails, then recovers', async () => {
    // The poll picks random waits; fix them to the middle of their range.
    jest.spyOn(Math, 'random').mockReturnValue(0.5);
    failure = new DataOpsRequestError(503, 'The server does not answer.', 'x');
    const times: number[] = [];
    model.source = async () => {
      times.push(Date.now());
      throw failure;
    };
    model.setVisible(true);
    await advance(0);
    expect(model.error).toBe('The server does not answer.');
    expect(model.hasLoaded).toBe(true);

    await advance(60000 * 5);
    const gaps = times.slice(1).map((time, i) => time - times[i]);
    expect(gaps.length).toBeGreaterThan(3);
    for (let i = 1; i < gaps.length; i++) {
      expect(gaps[i]).toBeGreaterThanOrEqual(gaps[i - 1]);
    }
    expect(gaps[gaps.length - 1]).toBe(60000);

    model.source = async () => 8;
    await advance(60000);
    expect(model.error).toBeNull();
    expect(model.value).toBe(8);
  });

  it('drops the answer of a load that a local change overtook', async () => {
    let answer: (value: number) => void = () => undefined;
    model.source = () => new Promise(resolve => (answer = resolve));
    const loading = model.refresh();
    model.setLocally(5);
    expect(model.pollInterval).toBe(1000);
    answer(4);
    await loading;
    expect(model.value).toBe(5);
  });

  it('keeps the error of a failed refresh without throwing', async () => {
    failure = new Error('offline');
    await model.refresh();
    expect(model.error).toBe('offline');
    failure = null;
    await model.refresh();
    expect(model.error).toBeNull();
    expect(model.value).toBe(2);
  });
});

describe('putNewestFirst', () => {
  const item = (id: string, created_at: string) => ({ id, created_at });

  it('replaces by id, orders newest first, ties by id, and keeps the limit', () => {
    const items = [
      item('b', '2024-05-01T10:00:00Z'),
      item('a', '2024-05-01T09:00:00Z')
    ];
    const put = (list: typeof items, next: (typeof items)[0], limit = 3) =>
      putNewestFirst(list, next, i => i.id, limit);

    expect(
      put(items, item('c', '2024-05-01T11:00:00Z')).map(i => i.id)
    ).toEqual(['c', 'b', 'a']);
    expect(
      put(items, item('a', '2024-05-01T12:00:00Z')).map(i => i.id)
    ).toEqual(['a', 'b']);
    expect(
      put(items, item('d', '2024-05-01T10:00:00Z')).map(i => i.id)
    ).toEqual(['d', 'b', 'a']);
    expect(
      put(items, item('c', '2024-05-01T11:00:00Z'), 2).map(i => i.id)
    ).toEqual(['c', 'b']);
    expect(items.map(i => i.id)).toEqual(['b', 'a']);
  });
});
