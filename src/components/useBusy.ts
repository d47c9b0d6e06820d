import * as React from 'react';

/**
 * Track one asynchronous action of a component: `busy` is true from the
 * call of `run(action)` until the action settles (while still mounted).
 *
 * `run` never rejects: failures are the action's to report.
 */
export function useBusy(): [
  boolean,
  (action: () => Promise<unknown>) => Promise<void>
] {
  const [busy, setBusy] = React.useState(false);
  const mounted = React.useRef(true);
  React.useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);
  const run = React.useCallback(async (action: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await action();
    } catch {
      // Reported by the action (an error dialog or message).
    } finally {
      if (mounted.current) {
        setBusy(false);
      }
    }
  }, []);
  return [busy, run];
}
