export type BadgeTone = "neutral" | "ok" | "danger" | "warn" | "info";

export function Badge({ tone = "neutral", title, children }: { tone?: BadgeTone; title?: string; children: React.ReactNode }) {
  return (
    <span className={`ui-badge ui-badge-${tone}`} title={title}>
      {children}
    </span>
  );
}
