import { act } from 'react';
import { Root, createRoot } from 'react-dom/client';

(globalThis as any).IS_REACT_ACT_ENVIRONMENT = true;

/** A React root in a fresh container for each test of the calling suite. */
export interface IMountedRoot {
  readonly container: HTMLDivElement;
  readonly root: Root;
}

/**
 * Mount a React root in a new `div` before each test and unmount it after;
 * the returned object always holds the current test's container and root.
 */
export function mountReactRoot(): IMountedRoot {
  const mounted = {} as { container: HTMLDivElement; root: Root };
  beforeEach(() => {
    mounted.container = document.createElement('div');
    document.body.appendChild(mounted.container);
    mounted.root = createRoot(mounted.container);
  });
  afterEach(() => {
    act(() => mounted.root.unmount());
    mounted.container.remove();
  });
  return mounted;
}
