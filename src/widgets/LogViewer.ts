import { TranslationBundle } from '@jupyterlab/translation';
import { Message } from '@lumino/messaging';
import { ISignal, Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

import { executionStatusLabels } from '../components/ExecutionBadge';
import { runStatusLabels } from '../components/RunBadge';
import { describeError } from '../pollingModel';
import { DataOpsRequestError } from '../request';
import { DataOpsService } from '../service';
import { translations } from '../translation';
import { LogChunk } from '../types';

/** Where a log viewer reads: the log of a local run or of an execution. */
export interface ILogSource {
  /** Shown above the log, e.g. `products · execution e1`. */
  readonly title: string;
  /** The log text from `offset` (bytes). */
  read(offset: number): Promise<LogChunk>;
  /** How it ended, asked once the log is complete; null if unknown. */
  outcome(): Promise<{ status: string; label: string } | null>;
}

/** The log of an execution on the control service. */
export function executionLog(
  service: DataOpsService,
  job: string,
  executionId: string,
  trans: TranslationBundle = translations()
): ILogSource {
  return {
    title: trans.__('%1 · execution %2', job, executionId),
    read: offset => service.getExecutionLog(job, executionId, offset),
    outcome: async () => {
      const { status } = await service.getExecution(job, executionId);
      return { status, label: executionStatusLabels(trans)[status] ?? status };
    }
  };
}

/** The log of a local run of a job. */
export function runLog(
  service: DataOpsService,
  job: string,
  runId: string,
  trans: TranslationBundle = translations()
): ILogSource {
  return {
    title: trans.__('%1 · run %2', job, runId),
    read: offset => service.getLog(runId, offset),
    outcome: async () => {
      const { status } = await service.getRun(runId);
      return { status, label: runStatusLabels(trans)[status] ?? status };
    }
  };
}

/** Wait between log requests while the run or execution goes on (ms). */
export const LOG_POLL_INTERVAL = 1000;

/** Longest wait between log requests while the server fails (ms). */
const MAX_LOG_POLL_INTERVAL = 30000;

/** How close to the end (px) the view must be to keep following new text. */
const FOLLOW_MARGIN = 24;

/**
 * The log of one run or execution, in monospace text.
 *
 * It asks its source for the log from the last offset until the source says
 * it is complete, appends new text and keeps the view at the end unless the user
 * scrolled up. A failure shows its message and is retried with growing
 * waits; an unknown run or execution (404) stops the viewer.
 */
export class LogViewer extends Widget {
  constructor(options: LogViewer.IOptions) {
    super();
    this.source = options.source;
    this._trans = options.trans ?? translations();
    this._interval = options.interval ?? LOG_POLL_INTERVAL;
    this._delay = this._interval;
    this.addClass('dataops-log-viewer');

    const header = document.createElement('div');
    header.className = 'dataops-log-header';
    const title = document.createElement('span');
    title.className = 'dataops-log-title';
    title.textContent = this.source.title;
    this._stateNode = document.createElement('span');
    this._stateNode.className = 'dataops-log-state';
    header.append(title, this._stateNode);

    this._errorNode = document.createElement('div');
    this._errorNode.className = 'dataops-log-error';
    this._errorNode.setAttribute('role', 'alert');
    this._errorNode.hidden = true;

    this._textNode = document.createElement('pre');
    this._textNode.className = 'dataops-log-text';
    this._textNode.tabIndex = 0;
    this._textNode.setAttribute(
      'aria-label',
      this._trans.__('Log of %1', this.source.title)
    );
    this._textNode.addEventListener('scroll', () => {
      const node = this._textNode;
      this._follow =
        node.scrollHeight - node.scrollTop - node.clientHeight <= FOLLOW_MARGIN;
    });

    this.node.append(header, this._errorNode, this._textNode);
    this._setState('following', this._trans.__('Following the log…'));
    void this._fetch();
  }

  /** Where the log comes from. */
  readonly source: ILogSource;

  /** Emitted when new text arrived, the state changed or an error showed. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** The log text received so far. */
  get text(): string {
    return this._text;
  }

  /** Whether all of the log was received (the run or execution ended). */
  get complete(): boolean {
    return this._complete;
  }

  /** The final status, once the log is complete. */
  get status(): string | null {
    return this._status;
  }

  /** The message of the last failed request, or null. */
  get error(): string | null {
    return this._error;
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    window.clearTimeout(this._timer);
    Signal.clearData(this);
    super.dispose();
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    this._scrollToEnd();
  }

  protected onActivateRequest(msg: Message): void {
    this._textNode.focus();
  }

  private async _fetch(): Promise<void> {
    if (this.isDisposed) {
      return;
    }
    try {
      const chunk = await this.source.read(this._offset);
      if (this.isDisposed) {
        return;
      }
      this._showError(null);
      this._delay = this._interval;
      this._append(chunk.text);
      this._offset = chunk.offset;
      if (chunk.complete) {
        this._complete = true;
        await this._finish();
        return;
      }
    } catch (error) {
      if (this.isDisposed) {
        return;
      }
      this._showError(describeError(error));
      if (error instanceof DataOpsRequestError && error.status === 404) {
        this._setState('error', this._trans.__('Stopped'));
        this._changed.emit();
        return;
      }
      this._delay = Math.min(this._delay * 2, MAX_LOG_POLL_INTERVAL);
    }
    this._changed.emit();
    this._timer = window.setTimeout(() => void this._fetch(), this._delay);
  }

  /** Show how the run or execution ended. */
  private async _finish(): Promise<void> {
    let outcome: { status: string; label: string } | null = null;
    try {
      outcome = await this.source.outcome();
    } catch {
      outcome = null;
    }
    if (this.isDisposed) {
      return;
    }
    this._status = outcome?.status ?? null;
    if (outcome) {
      this._setState('complete', this._trans.__('Ended: %1', outcome.label));
      this._stateNode.dataset.status = outcome.status;
    } else {
      this._setState('complete', this._trans.__('Ended'));
    }
    if (this._text === '') {
      this._textNode.textContent = this._trans.__('(The log is empty.)');
      this._textNode.classList.add('dataops-mod-empty');
    }
    this._changed.emit();
  }

  private _append(text: string): void {
    if (!text) {
      return;
    }
    this._text += text;
    this._textNode.append(document.createTextNode(text));
    if (this._follow) {
      this._scrollToEnd();
    }
  }

  private _scrollToEnd(): void {
    const node = this._textNode;
    node.scrollTop = node.scrollHeight;
  }

  private _showError(message: string | null): void {
    this._error = message;
    this._errorNode.hidden = message === null;
    this._errorNode.textContent =
      message === null
        ? ''
        : this._trans.__('Could not load the log: %1', message);
  }

  private _setState(state: string, label: string): void {
    this._stateNode.dataset.state = state;
    this._stateNode.textContent = label;
  }

  private _changed = new Signal<this, void>(this);
  private _complete = false;
  private _delay: number;
  private _error: string | null = null;
  private _errorNode: HTMLDivElement;
  private _follow = true;
  private _interval: number;
  private _offset = 0;
  private _stateNode: HTMLSpanElement;
  private _status: string | null = null;
  private _text = '';
  private _textNode: HTMLPreElement;
  private _timer = 0;
  private _trans: TranslationBundle;
}

export namespace LogViewer {
  export interface IOptions {
    source: ILogSource;
    /** Wait between requests while the run or execution goes on (ms). */
    interval?: number;
    /** The bundle the viewer writes with (none: as written). */
    trans?: TranslationBundle;
  }
}
