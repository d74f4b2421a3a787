/**
 * A stored body or header set, shown as text. JSON is pretty-printed (JSON.parse, then
 * JSON.stringify with 2 spaces); anything else is shown as it was stored. Either way it is a React
 * text child inside <pre>, so markup in a body (`<script>`, HTML) is escaped, never interpreted.
 */
export function prettyJson(text: string): { text: string; isJson: boolean } {
  try {
    return { text: JSON.stringify(JSON.parse(text), null, 2), isJson: true };
  } catch {
    return { text, isJson: false };
  }
}

export function JsonBlock({
  label,
  text,
  truncated,
  emptyText = "Not stored.",
}: {
  label: string;
  text: string | null;
  truncated?: boolean;
  emptyText?: string;
}) {
  if (text === null || text === "") return <p className="muted">{emptyText}</p>;
  const pretty = prettyJson(text);
  return (
    <div className="json-block">
      {truncated || !pretty.isJson ? (
        <p className="json-note">
          {truncated ? <span className="badge badge-warn">Truncated</span> : null}
          {truncated ? " Stored up to 32 KiB; the rest was cut. " : null}
          {!pretty.isJson ? (truncated ? "Shown as stored (incomplete JSON)." : "Not JSON; shown as stored.") : null}
        </p>
      ) : null}
      {/* A scrollable region, named for screen readers. */}
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region; focusable so the keyboard can scroll it */}
      <section className="code-block" tabIndex={0} aria-label={label}>
        <pre>{pretty.text}</pre>
      </section>
    </div>
  );
}

/** A flat object (headers, metadata) as a two-column table; values are text. */
export function KeyValueTable({ label, entries, emptyText }: { label: string; entries: Record<string, unknown>; emptyText: string }) {
  const rows = Object.entries(entries);
  if (rows.length === 0) return <p className="muted">{emptyText}</p>;
  return (
    <table className="kv-table" aria-label={label}>
      <tbody>
        {rows.map(([key, value]) => (
          <tr key={key}>
            <th scope="row">{key}</th>
            <td>{typeof value === "string" ? value : JSON.stringify(value)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
