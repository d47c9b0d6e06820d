import { loadJobsForNotebooks } from '../notebook/openedNotebooks';
import { IDataJobsModel } from '../tokens';

describe('loadJobsForNotebooks', () => {
  it('asks the server once for notebooks that open together, and again later', async () => {
    const answers: (() => void)[] = [];
    const model = {
      refresh: jest.fn(
        () => new Promise<void>(resolve => answers.push(resolve))
      )
    } as unknown as IDataJobsModel;

    const first = loadJobsForNotebooks(model);
    const second = loadJobsForNotebooks(model);
    expect(second).toBe(first);
    expect(model.refresh).toHaveBeenCalledTimes(1);
    answers[0]();
    await Promise.all([first, second]);

    // A notebook opened after that load asks again.
    const later = loadJobsForNotebooks(model);
    expect(later).not.toBe(first);
    expect(model.refresh).toHaveBeenCalledTimes(2);
    answers[1]();
    await later;
  });
});
