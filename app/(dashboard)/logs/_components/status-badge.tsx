import { statusTone } from "./format";

/** A status code, coloured by class; the number itself is always written (colour is a hint only). */
export function StatusBadge({ status, title }: { status: number | null; title?: string }) {
  return (
    <span className={`status-badge status-${statusTone(status)}`} title={title}>
      {status ?? "—"}
    </span>
  );
}
