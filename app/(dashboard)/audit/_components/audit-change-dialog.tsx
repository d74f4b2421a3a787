"use client";

/**
 * One event's before and after, side by side, as pretty-printed JSON. Both are React text children
 * inside <pre>: whatever a stored name or config holds (markup included) is escaped, never interpreted.
 */
import { Dialog } from "@/components/ui/dialog";
import type { AuditEventView } from "@/lib/api/audit";

function Snapshot({ label, value }: { label: string; value: unknown }) {
  return (
    <div className="panel">
      <h3>{label}</h3>
      {value === null ? (
        <p className="muted">{label === "Before" ? "Nothing: it did not exist." : "Nothing: it no longer exists."}</p>
      ) : (
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region; focusable so the keyboard can scroll it
        <section className="code-block" tabIndex={0} aria-label={`${label} (JSON)`}>
          <pre>{JSON.stringify(value, null, 2)}</pre>
        </section>
      )}
    </div>
  );
}

export function AuditChangeDialog({ event, onClose }: { event: AuditEventView | null; onClose: () => void }) {
  return (
    <Dialog
      open={event !== null}
      onClose={onClose}
      size="lg"
      title={event ? `${event.action}: ${event.target.label ?? event.target.id ?? ""}` : ""}
      description={
        event ? `${event.at} · ${event.actor.label ?? event.actor.id ?? event.actor.type} · ${event.address ?? "no address"}` : undefined
      }
    >
      {event ? (
        <div className="detail-grid">
          <Snapshot label="Before" value={event.before} />
          <Snapshot label="After" value={event.after} />
        </div>
      ) : null}
    </Dialog>
  );
}
