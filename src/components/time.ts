/** Units for relative times, largest first. */
const UNITS: ReadonlyArray<[Intl.RelativeTimeFormatUnit, number]> = [
  ['year', 365 * 24 * 3600 * 1000],
  ['month', 30 * 24 * 3600 * 1000],
  ['day', 24 * 3600 * 1000],
  ['hour', 3600 * 1000],
  ['minute', 60 * 1000],
  ['second', 1000]
];

/**
 * A time relative to now, in words: "3 minutes ago", "in 2 hours", "now";
 * the one wording of every time in the sidebar (runs, executions, next runs).
 *
 * Past and future alike are rounded to the nearest whole largest unit;
 * `style` `short` writes "2 min. ago" where room is scarce.
 */
export function formatRelativeTime(
  value: string | Date,
  now: number = Date.now(),
  style: Intl.RelativeTimeFormatStyle = 'long'
): string {
  const lang =
    (typeof document !== 'undefined' && document.documentElement.lang) || 'en';
  const formatter = new Intl.RelativeTimeFormat(lang, {
    numeric: 'auto',
    style
  });
  const delta = new Date(value).getTime() - now;
  if (isNaN(delta)) {
    return String(value);
  }
  for (const [unit, ms] of UNITS) {
    if (Math.abs(delta) >= ms) {
      return formatter.format(Math.round(delta / ms), unit);
    }
  }
  return formatter.format(0, 'second');
}
