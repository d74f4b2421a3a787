/**
 * A point in time as people scan it ("5 min ago"), with the exact UTC time in the title and the
 * `dateTime` attribute. No hooks, so it renders the same on the server and in client components;
 * pass the server's `now` down to client components so hydration sees the same text.
 */
export type TimeValue = string | Date | null | undefined;

export function RelativeTime({ value, now, empty = "never" }: { value: TimeValue; now?: number | string | Date; empty?: string }) {
  if (!value) return <span className="muted">{empty}</span>;
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return <span className="muted">{empty}</span>;
  const reference = now === undefined ? Date.now() : new Date(now).getTime();
  return (
    <time dateTime={date.toISOString()} title={formatAbsolute(date)}>
      {formatRelative(date.getTime(), reference)}
    </time>
  );
}

/** "2025-03-04 14:02:11 UTC": unambiguous and the same wherever it renders. */
export function formatAbsolute(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

export function formatRelative(at: number, now: number): string {
  const seconds = Math.round((now - at) / 1000);
  if (seconds < 10) return "just now"; // also a small clock skew into the future
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.floor(hours / 24);
  if (days < 30) return `${days} d ago`;
  const d = new Date(at);
  const sameYear = d.getUTCFullYear() === new Date(now).getUTCFullYear();
  return `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}${sameYear ? "" : `, ${d.getUTCFullYear()}`}`;
}
