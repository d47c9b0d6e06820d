import { IDisposable } from '@lumino/disposable';
import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';

import { isExtensionMissing } from './request';
import { DataOpsService } from './service';

/** Default poll interval while something is queued or running (ms). */
export const FAST_POLL_INTERVAL = 1000;

/** Default poll interval when nothing is active (ms). */
export const SLOW_POLL_INTERVAL = 10000;

/** Longest wait between polls while the server keeps failing (ms). */
const MAX_POLL_INTERVAL = 60000;

/**
 * Data from the server refreshed by a poll that is fast while something is
 * active, slow otherwise, backs off while the server fails, and stops while
 * the data is not on screen.
 *
 * A subclass says what to fetch (`fetch`) and when the poll should be fast
 * (`isBusy`). Answers of loads that a newer load or a local change overtook
 * are dropped, so the newest state always wins.
 */
export abstract class PollingModel {
  constructor(name: string, options: PollingModel.IOptions = {}) {
    this.service = options.service ?? new DataOpsService();
    this._fastInterval = options.fastInterval ?? FAST_POLL_INTERVAL;
    this._slowInterval = options.slowInterval ?? SLOW_POLL_INTERVAL;
    this._poll = new Poll({
      auto: false,
      factory: () => this._load(),
      frequency: {
        interval: this._slowInterval,
        backoff: true,
        max: Math.max(MAX_POLL_INTERVAL, this._slowInterval)
      },
      name: `dataops-jupyter:${name}`,
      standby: 'when-hidden'
    });
  }

  readonly service: DataOpsService;

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get hasLoaded(): boolean {
    return this._hasLoaded;
  }

  get error(): string | null {
    return this._error;
  }

  /** Whether the last load found no server extension to answer. */
  get extensionMissing(): boolean {
    return this._extensionMissing;
  }

  get isPolling(): boolean {
    return this._visible && !this.isDisposed && !this._extensionMissing;
  }

  get pollInterval(): number {
    return this._poll.frequency.interval;
  }

  /** Milliseconds between polls while nothing is active. */
  get refreshInterval(): number {
    return this._slowInterval;
  }

  set refreshInterval(interval: number) {
    if (interval === this._slowInterval || !(interval > 0)) {
      return;
    }
    this._slowInterval = interval;
    this._poll.frequency = {
      ...this._poll.frequency,
      max: Math.max(MAX_POLL_INTERVAL, interval)
    };
    this._updateFrequency();
    this._reschedule();
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  async refresh(): Promise<void> {
    if (this.isDisposed) {
      return;
    }
    try {
      await this._load();
    } catch {
      // The failure is kept in `error` and shown by the views.
    }
    this._reschedule();
  }

  /**
   * Tell the model whether its own view (e.g. its sidebar section) is on
   * screen. It polls while this or any view from `addView` is visible.
   */
  setVisible(visible: boolean): void {
    this._setViewVisible(this, visible);
  }

  /**
   * A further view of the model's data, e.g. the toolbar of a notebook: the
   * model polls while any of its views is visible. Disposing the view (or
   * hiding it) counts it out.
   */
  addView(): PollingModel.IView {
    const key = {};
    let disposed = false;
    return {
      setVisible: (visible: boolean) => {
        if (!disposed) {
          this._setViewVisible(key, visible);
        }
      },
      get isDisposed() {
        return disposed;
      },
      dispose: () => {
        if (!disposed) {
          this._setViewVisible(key, false);
          disposed = true;
        }
      }
    };
  }

  /** Count a view in or out of the visible ones; poll while there is one. */
  private _setViewVisible(view: object, visible: boolean): void {
    if (this.isDisposed) {
      return;
    }
    if (visible) {
      this._visibleViews.add(view);
    } else {
      this._visibleViews.delete(view);
    }
    this._setPolling(this._visibleViews.size > 0);
  }

  private _setPolling(visible: boolean): void {
    if (visible === this._visible) {
      return;
    }
    this._visible = visible;
    if (visible) {
      if (!this._extensionMissing) {
        // Loads at once, then keeps polling.
        void this._poll.start();
      }
    } else {
      void this._poll.stop();
    }
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._visible = false;
    this._visibleViews.clear();
    this._poll.dispose();
    Signal.clearData(this);
  }

  /** Whether the poll should run at the fast interval. */
  protected abstract get isBusy(): boolean;

  /**
   * Ask the server for everything the model shows.
   *
   * Resolves to a function that stores the answer; it is called only if no
   * newer load or local change started meanwhile.
   */
  protected abstract fetch(): Promise<() => void>;

  /** Tell the views about a change made here (not by a load), e.g. a new run. */
  protected changedLocally(): void {
    if (this.isDisposed) {
      return;
    }
    // Answers of loads started before this change are stale.
    this._generation++;
    this._updateFrequency();
    this._changed.emit();
    this._reschedule();
  }

  /** Tell the views to draw again, e.g. when a busy flag changed. */
  protected emitChanged(): void {
    if (!this.isDisposed) {
      this._changed.emit();
    }
  }

  /** Load once; rejects on failure so that the poll backs off. */
  private async _load(): Promise<void> {
    const generation = ++this._generation;
    const isStale = () => generation !== this._generation || this.isDisposed;
    try {
      const store = await this.fetch();
      if (isStale()) {
        // A newer load or a change started meanwhile: its answer wins.
        return;
      }
      store();
      this._error = null;
      this._extensionMissing = false;
    } catch (error) {
      if (isStale()) {
        return;
      }
      this._error = describeError(error);
      if (isExtensionMissing(error)) {
        // Asking again will not help: wait for the user's retry.
        this._extensionMissing = true;
        void this._poll.stop();
      }
      throw error;
    } finally {
      if (!isStale()) {
        this._hasLoaded = true;
        this._updateFrequency();
        this._changed.emit();
      }
    }
  }

  private _updateFrequency(): void {
    const interval = this.isBusy ? this._fastInterval : this._slowInterval;
    this._poll.frequency = { ...this._poll.frequency, interval };
  }

  /** Restart the poll's countdown with the current interval. */
  private _reschedule(): void {
    if (this.isPolling) {
      void this._poll.schedule({
        interval: this.pollInterval,
        phase: 'refreshed'
      });
    }
  }

  private _changed = new Signal<this, void>(this);
  private _error: string | null = null;
  private _extensionMissing = false;
  private _fastInterval: number;
  private _generation = 0;
  private _hasLoaded = false;
  private _isDisposed = false;
  private _poll: Poll;
  private _slowInterval: number;
  private _visible = false;
  private _visibleViews = new Set<object>();
}

export namespace PollingModel {
  /** One view of a model's data that says when it is on screen. */
  export interface IView extends IDisposable {
    /** Whether the view is on screen now. */
    setVisible(visible: boolean): void;
  }

  export interface IOptions {
    /** The REST client; one with the page's server settings by default. */
    service?: DataOpsService;
    /** Poll interval while something is active (ms). */
    fastInterval?: number;
    /** Poll interval when nothing is active (ms). */
    slowInterval?: number;
  }
}

/**
 * Put `item` into a list kept newest first, replacing the item with the same
 * id, and keep at most `limit` items.
 */
export function putNewestFirst<T extends { created_at: string }>(
  items: ReadonlyArray<T>,
  item: T,
  idOf: (item: T) => string,
  limit: number
): T[] {
  const id = idOf(item);
  const kept = items.filter(existing => idOf(existing) !== id);
  kept.push(item);
  kept.sort((a, b) => {
    const byTime = Date.parse(b.created_at) - Date.parse(a.created_at);
    return byTime !== 0 && !isNaN(byTime)
      ? byTime
      : idOf(b).localeCompare(idOf(a));
  });
  return kept.slice(0, limit);
}

/** A message for people from any error the API calls throw. */
export function describeError(error: unknown): string {
  // DataOpsRequestError's message is already the server's explanation.
  if (error instanceof Error) {
    return error.message || error.name;
  }
  if (typeof error === 'string') {
    return error;
  }
  const message = (error as { message?: unknown } | null)?.message;
  if (typeof message === 'string' && message) {
    return message;
  }
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}
