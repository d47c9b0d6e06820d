import * as React from 'react';
import { act } from 'react';

import { ExecutionList } from '../components/ExecutionList';
import { RunList } from '../components/RunList';
import { Execution, Run } from '../types';
import { makeExecution, makeRun } from './fixtures';
import { mountReactRoot } from './reactRoot';

const view = mountReactRoot();

const minutesAgo = (minutes: number) =>
  new Date(Date.now() - minutes * 60000 - 1000).toISOString();

function runs(count: number): Run[] {
  return Array.from({ length: count }, (_, i) =>
    makeRun('orders', `r${count - i}`, 'succeeded', {
      created_at: minutesAgo(i + 2)
    })
  );
}

function executions(count: number): Execution[] {
  return Array.from({ length: count }, (_, i) =>
    makeExecution('orders', `e${count - i}`, 'succeeded', {
      created_at: minutesAgo(i + 2)
    })
  );
}

const ids = (selector: string, attribute: string) =>
  Array.from(view.container.querySelectorAll(selector)).map(node =>
    node.getAttribute(attribute)
  );

describe('run and execution history', () => {
  it('says when runs and executions started in the same words', () => {
    act(() =>
      view.root.render(
        <>
          <RunList runs={runs(1)} onCancel={jest.fn()} />
          <ExecutionList
            executions={executions(1)}
            onCancel={jest.fn()}
            onOpenLog={jest.fn()}
          />
        </>
      )
    );
    expect(view.container.querySelector('.dataops-run-time')!.textContent).toBe(
      '2 minutes ago'
    );
    expect(
      view.container.querySelector('.dataops-execution-time')!.textContent
    ).toBe('2 minutes ago');
  });

  it('shows older runs on demand until there are no more', async () => {
    const all = runs(12);
    const loadRuns = jest.fn(async (limit: number) => all.slice(0, limit));
    act(() =>
      view.root.render(
        <RunList
          runs={all.slice(0, 5)}
          onCancel={jest.fn()}
          loadRuns={loadRuns}
          job="orders"
        />
      )
    );
    expect(ids('.dataops-run', 'data-run-id')).toHaveLength(5);
    const more = () =>
      view.container.querySelector(
        'button[aria-label="Show older runs of orders"]'
      ) as HTMLButtonElement | null;
    await act(async () => more()!.click());
    expect(loadRuns).toHaveBeenLastCalledWith(15);
    expect(ids('.dataops-run', 'data-run-id')).toEqual(
      all.map(run => run.run_id)
    );
    // Fewer than asked for: that was all of them.
    expect(more()).toBeNull();
  });

  it('shows older executions on demand, and no "more" with few of them', async () => {
    const all = executions(20);
    const loadExecutions = jest.fn(async (limit: number) =>
      all.slice(0, limit)
    );
    const render = (recent: Execution[]) =>
      act(() =>
        view.root.render(
          <ExecutionList
            executions={recent}
            onCancel={jest.fn()}
            onOpenLog={jest.fn()}
            loadExecutions={loadExecutions}
            job="orders"
          />
        )
      );
    render(all.slice(0, 3));
    expect(
      view.container.querySelector('.dataops-show-more-button')
    ).toBeNull();

    render(all.slice(0, 5));
    const more = () =>
      view.container.querySelector(
        'button[aria-label="Show older executions of orders"]'
      ) as HTMLButtonElement;
    await act(async () => more().click());
    expect(ids('.dataops-execution', 'data-execution-id')).toHaveLength(15);
    await act(async () => more().click());
    expect(loadExecutions).toHaveBeenLastCalledWith(25);
    expect(ids('.dataops-execution', 'data-execution-id')).toHaveLength(20);

    // A new execution from the poll shows first, the older ones stay.
    const newest = makeExecution('orders', 'e21', 'running', {
      created_at: new Date().toISOString()
    });
    render([newest, ...all.slice(0, 4)]);
    const shown = ids('.dataops-execution', 'data-execution-id');
    expect(shown[0]).toBe('e21');
    expect(shown).toHaveLength(21);
  });
});
