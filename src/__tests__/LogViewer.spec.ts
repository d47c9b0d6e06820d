import { DataOpsRequestError } from '../request';
import { DataOpsService } from '../service';
import { LogChunk } from '../types';
import { LogViewer, executionLog, runLog } from '../widgets/LogViewer';
import { makeExecution, makeRun } from './fixtures';

/** A service double whose log answers come from a queue. */
function fakeService(answers: Array<LogChunk | Error>) {
  const service = new DataOpsService();
  const offsets: number[] = [];
  jest
    .spyOn(service, 'getExecutionLog')
    .mockImplementation(async (job, execution, offset = 0) => {
      offsets.push(offset);
      const answer = answers.shift();
      if (answer === undefined) {
        throw new Error('no more answers');
      }
      if (answer instanceof Error) {
        throw answer;
      }
      return answer;
    });
  jest
    .spyOn(service, 'getExecution')
    .mockResolvedValue(makeExecution('products', 'e1', 'succeeded'));
  return { service, offsets };
}

describe('LogViewer', () => {
  let viewer: LogViewer;

  beforeEach(() => {
    jest.useFakeTimers();
  });

  afterEach(() => {
    viewer?.dispose();
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  const advance = (ms: number) => jest.advanceTimersByTimeAsync(ms);
  const q = (selector: string) => viewer.node.querySelector(selector)!;

  it('follows the log from the last offset until it is complete', async () => {
    const { service, offsets } = fakeService([
      { text: '[dataops] run started\n', offset: 22, complete: false },
      { text: '', offset: 22, complete: false },
      {
        text: '[ingest-current] replace: 20 rows into shop.current_products\n',
        offset: 84,
        complete: true
      }
    ]);
    viewer = new LogViewer({
      source: executionLog(service, 'products', 'e1'),
      interval: 1000
    });
    expect(viewer.hasClass('dataops-log-viewer')).toBe(true);
    expect(q('.dataops-log-title').textContent).toBe('products · execution e1');
    expect(q('.dataops-log-state').getAttribute('data-state')).toBe(
      'following'
    );

    await advance(0);
    expect(viewer.text).toBe('[dataops] run started\n');
    expect(q('pre.dataops-log-text').textContent).toBe(viewer.text);
    await advance(1000);
    await advance(1000);
    expect(offsets).toEqual([0, 22, 22]);
    expect(viewer.complete).toBe(true);
    expect(viewer.status).toBe('succeeded');
    expect(q('.dataops-log-text').textContent).toContain(
      '[ingest-current] replace: 20 rows into shop.current_products'
    );
    const state = q('.dataops-log-state');
    expect(state.getAttribute('data-state')).toBe('complete');
    expect(state.getAttribute('data-status')).toBe('succeeded');
    expect(state.textContent).toBe('Ended: succeeded');
    expect(service.getExecution).toHaveBeenCalledWith('products', 'e1');

    // Nothing more is asked once complete.
    await advance(60000);
    expect(offsets).toHaveLength(3);
  });

  it('shows a failure and retries with growing waits', async () => {
    const { service, offsets } = fakeService([
      new DataOpsRequestError(503, 'The control service does not answer.'),
      new DataOpsRequestError(503, 'The control service does not answer.'),
      { text: 'done\n', offset: 5, complete: true }
    ]);
    viewer = new LogViewer({
      source: executionLog(service, 'products', 'e1'),
      interval: 1000
    });
    await advance(0);
    const error = q('.dataops-log-error') as HTMLElement;
    expect(error.hidden).toBe(false);
    expect(error.getAttribute('role')).toBe('alert');
    expect(error.textContent).toBe(
      'Could not load the log: The control service does not answer.'
    );
    expect(viewer.error).toBe('The control service does not answer.');

    await advance(1999);
    expect(offsets).toHaveLength(1);
    await advance(1);
    expect(offsets).toHaveLength(2);
    await advance(3999);
    expect(offsets).toHaveLength(2);
    await advance(1);
    expect(offsets).toHaveLength(3);
    expect(error.hidden).toBe(true);
    expect(viewer.complete).toBe(true);
  });

  it('stops on an unknown execution', async () => {
    const { service, offsets } = fakeService([
      new DataOpsRequestError(404, 'No execution e9 of products.', 'not_found')
    ]);
    viewer = new LogViewer({
      source: executionLog(service, 'products', 'e9')
    });
    await advance(0);
    expect(q('.dataops-log-error').textContent).toBe(
      'Could not load the log: No execution e9 of products.'
    );
    expect(q('.dataops-log-state').getAttribute('data-state')).toBe('error');
    await advance(60000);
    expect(offsets).toHaveLength(1);
  });

  it('says when the log of an ended execution is empty', async () => {
    const { service } = fakeService([{ text: '', offset: 0, complete: true }]);
    viewer = new LogViewer({
      source: executionLog(service, 'products', 'e1')
    });
    await advance(0);
    expect(q('.dataops-log-text').textContent).toBe('(The log is empty.)');
  });

  it('stops asking once disposed', async () => {
    const { service, offsets } = fakeService([
      { text: 'a', offset: 1, complete: false },
      { text: 'b', offset: 2, complete: false }
    ]);
    viewer = new LogViewer({
      source: executionLog(service, 'products', 'e1')
    });
    await advance(0);
    viewer.dispose();
    await advance(60000);
    expect(offsets).toEqual([0]);
  });

  it('follows the log of a local run and shows how it ended', async () => {
    const service = new DataOpsService();
    const offsets: number[] = [];
    jest
      .spyOn(service, 'getLog')
      .mockImplementation(async (runId, offset = 0) => {
        offsets.push(offset);
        return offset === 0
          ? { text: '[load] 3 rows\n', offset: 14, complete: false }
          : { text: '[dataops] run timed out\n', offset: 38, complete: true };
      });
    jest
      .spyOn(service, 'getRun')
      .mockResolvedValue(makeRun('orders', 'r7', 'timed_out'));
    viewer = new LogViewer({
      source: runLog(service, 'orders', 'r7'),
      interval: 1000
    });
    expect(q('.dataops-log-title').textContent).toBe('orders · run r7');
    expect(q('.dataops-log-text').getAttribute('aria-label')).toBe(
      'Log of orders · run r7'
    );
    await advance(0);
    await advance(1000);
    expect(offsets).toEqual([0, 14]);
    expect(service.getLog).toHaveBeenCalledWith('r7', 14);
    expect(viewer.text).toBe('[load] 3 rows\n[dataops] run timed out\n');
    expect(viewer.status).toBe('timed_out');
    expect(q('.dataops-log-state').textContent).toBe('Ended: timed out');
  });
});
