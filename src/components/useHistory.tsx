import * as React from 'react';

import { describeError } from '../pollingModel';
import { useTranslation } from '../translation';

/** How many more items each "Show more" asks for. */
export const HISTORY_PAGE = 10;

/** A history that shows more than the recent items on demand. */
export interface IHistory<T> {
  /** The recent items followed by the older ones loaded so far, newest first. */
  items: ReadonlyArray<T>;
  /** Whether there may be older items to show. */
  hasMore: boolean;
  /** Whether older items are being loaded. */
  loading: boolean;
  /** Why loading older items failed, or null. */
  error: string | null;
  /** Load the next page of older items. */
  showMore: () => void;
}

/**
 * The recent runs or executions of a job (kept fresh by the model's poll),
 * followed on demand by older ones: `load(limit)` gives the newest `limit`.
 *
 * Without `load`, only the recent items show and there is no "more".
 */
export function useHistory<T extends { created_at: string }>(
  recent: ReadonlyArray<T>,
  idOf: (item: T) => string,
  load?: (limit: number) => Promise<ReadonlyArray<T>>,
  recentLimit = 5
): IHistory<T> {
  const [older, setOlder] = React.useState<ReadonlyArray<T>>([]);
  const [limit, setLimit] = React.useState(0);
  const [exhausted, setExhausted] = React.useState(false);
  const [loading, setLoading] = React.useState(false);
  const [error, setError] = React.useState<string | null>(null);
  const mounted = React.useRef(true);
  React.useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  const items = React.useMemo(() => {
    const ids = new Set(recent.map(idOf));
    const merged = [...recent, ...older.filter(item => !ids.has(idOf(item)))];
    return merged.sort(
      (a, b) => Date.parse(b.created_at) - Date.parse(a.created_at)
    );
  }, [recent, older]);

  const showMore = React.useCallback(() => {
    if (!load) {
      return;
    }
    const next = Math.max(limit, items.length) + HISTORY_PAGE;
    setLoading(true);
    setError(null);
    load(next)
      .then(found => {
        if (mounted.current) {
          setOlder(found);
          setLimit(next);
          setExhausted(found.length < next);
        }
      })
      .catch(reason => {
        if (mounted.current) {
          setError(describeError(reason));
        }
      })
      .finally(() => {
        if (mounted.current) {
          setLoading(false);
        }
      });
  }, [load, limit, items.length]);

  const hasMore =
    load !== undefined && !exhausted && items.length >= (limit || recentLimit);
  return { items, hasMore, loading, error, showMore };
}

/** The "Show more" line under a history. */
export function ShowMore(props: {
  history: IHistory<unknown>;
  /** "Show older runs of orders". */
  label: string;
}): JSX.Element | null {
  const { history, label } = props;
  const trans = useTranslation();
  if (!history.hasMore && history.error === null) {
    return null;
  }
  return (
    <div className="dataops-show-more">
      {history.hasMore && (
        <button
          type="button"
          className="dataops-show-more-button"
          aria-label={label}
          disabled={history.loading}
          onClick={history.showMore}
        >
          {history.loading ? trans.__('Loading…') : trans.__('Show more')}
        </button>
      )}
      {history.error !== null && (
        <span className="dataops-show-more-error" role="alert">
          {history.error}
        </span>
      )}
    </div>
  );
}
