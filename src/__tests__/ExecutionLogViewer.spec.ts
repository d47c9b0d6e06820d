import { DataOpsRequestError } from '../request';
import { DataOpsService } from '../service';
import { LogChunk } from '../types';
import { ExecutionLogViewer } from '../widgets/ExecutionLogViewer';
import { makeExecution } from './fixtures';

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

describe('ExecutionLogViewer', () => {
  let viewer: ExecutionLogViewer;

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
    viewer = new ExecutionLogViewer({
      service,
      job: 'products',
      executionId: 'e1',
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
    viewer = new ExecutionLogViewer({
      service,
      job: 'products',
      executionId: 'e1',
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
    viewer = new ExecutionLogViewer({
      service,
      job: 'products',
      executionId: 'e9'
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
    viewer = new ExecutionLogViewer({
      service,
      job: 'products',
      executionId: 'e1'
    });
    await advance(0);
    expect(q('.dataops-log-text').textContent).toBe('(The log is empty.)');
  });

  it('stops asking once disposed', async () => {
    const { service, offsets } = fakeService([
      { text: 'a', offset: 1, complete: false },
      { text: 'b', offset: 2, complete: false }
    ]);
    viewer = new ExecutionLogViewer({
      service,
      job: 'products',
      executionId: 'e1'
    });
    await advance(0);
    viewer.dispose();
    await advance(60000);
    expect(offsets).toEqual([0]);
  });
});
