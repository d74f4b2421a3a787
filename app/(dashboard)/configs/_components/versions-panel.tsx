"use client";

import { useRouter } from "next/navigation";
import { useMemo, useState } from "react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { Select } from "@/components/ui/select";
import { sendJson } from "@/lib/browser/submit-json";
import { RelativeTime } from "@/components/ui/time";
import { notify } from "@/components/ui/toast";
import { diffLines } from "./line-diff";
import { useCan } from "../../_components/role";

export type VersionView = { version: number; author: string; createdAt: string; note: string | null; text: string };

/** Every version of a config (who, when), a line diff between any two, and a rollback (restore as a new version). */
export function VersionsPanel({ slug, current, versions, now }: { slug: string; current: number; versions: VersionView[]; now: number }) {
  const router = useRouter();
  const [from, setFrom] = useState(versions[1]?.version ?? versions[0]?.version ?? 1);
  const [to, setTo] = useState(versions[0]?.version ?? 1);
  const [restoring, setRestoring] = useState<number | null>(null);
  const canRestore = useCan("member");
  const options = versions.map((v) => ({ value: String(v.version), label: `v${v.version}${v.version === current ? " (current)" : ""}` }));
  const diff = useMemo(() => {
    const textOf = (n: number) => versions.find((v) => v.version === n)?.text ?? "";
    return diffLines(textOf(from), textOf(to));
  }, [from, to, versions]);
  const added = diff.filter((l) => l.kind === "added").length;
  const removed = diff.filter((l) => l.kind === "removed").length;

  async function restore(version: number): Promise<string | null> {
    const result = await sendJson<{ version: number }>(`/v1/configs/${encodeURIComponent(slug)}/versions/${version}/restore`, "POST");
    if (!result.ok) return result.message;
    notify(`Restored version ${version} as version ${result.data.version}.`);
    setFrom(versions[0]?.version ?? version);
    setTo(result.data.version);
    router.push(`/configs/${encodeURIComponent(slug)}?saved=${result.data.version}`);
    router.refresh();
    return null;
  }

  return (
    <>
      <section className="panel panel-flush" aria-labelledby="cfg-versions">
        <h2 id="cfg-versions">
          Versions <span className="muted">({versions.length})</span>
        </h2>
        <table className="ui-table" aria-labelledby="cfg-versions">
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Author</th>
              <th scope="col">When</th>
              <th scope="col">Note</th>
              <th scope="col" className="ui-col-actions">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {versions.map((v) => (
              <tr key={v.version} id={`cfg-v${v.version}`}>
                <td>
                  v{v.version} {v.version === current ? <Badge tone="ok">Current</Badge> : null}
                </td>
                <td>{v.author}</td>
                <td>
                  <RelativeTime value={v.createdAt} now={now} />
                </td>
                <td>{v.note ?? <span className="muted">—</span>}</td>
                <td className="ui-col-actions">
                  {v.version === current || !canRestore ? null : (
                    <Button size="sm" onClick={() => setRestoring(v.version)}>
                      Restore version {v.version}
                    </Button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <section className="panel" aria-labelledby="cfg-diff-title">
        <h2 id="cfg-diff-title">Compare versions</h2>
        <div className="cfg-diff-controls">
          <Select label="From version" value={String(from)} onChange={(e) => setFrom(Number(e.target.value))} options={options} />
          <Select label="To version" value={String(to)} onChange={(e) => setTo(Number(e.target.value))} options={options} />
          <p className="muted cfg-diff-stat" aria-live="polite">
            {added || removed ? (
              <>
                <span className="cfg-diff-plus">+{added}</span> <span className="cfg-diff-minus">−{removed}</span> lines
              </>
            ) : (
              "No differences"
            )}
          </p>
        </div>
        {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region; focusable so the keyboard can scroll it */}
        <section aria-label={`Diff from version ${from} to version ${to}`} className="cfg-diff" tabIndex={0}>
          {diff.map((line) => (
            // A removed line has only an old number, an added one only a new one: the pair is unique.
            <div key={`${line.oldNo ?? ""}:${line.newNo ?? ""}`} className={`cfg-diff-line is-${line.kind}`}>
              <span className="cfg-diff-no" aria-hidden="true">
                {line.oldNo ?? ""}
              </span>
              <span className="cfg-diff-no" aria-hidden="true">
                {line.newNo ?? ""}
              </span>
              <span className="cfg-diff-sign">{line.kind === "added" ? "+" : line.kind === "removed" ? "−" : " "}</span>
              {line.kind === "added" ? (
                <span className="sr-only">added: </span>
              ) : line.kind === "removed" ? (
                <span className="sr-only">removed: </span>
              ) : null}
              <code>{line.text}</code>
            </div>
          ))}
        </section>
      </section>

      <ConfirmDialog
        open={restoring !== null}
        onClose={() => setRestoring(null)}
        title={`Restore version ${restoring ?? ""}?`}
        confirmLabel={`Restore version ${restoring ?? ""}`}
        pendingLabel="Restoring…"
        tone="primary"
        onConfirm={async () => (restoring === null ? null : restore(restoring))}
      >
        <p>
          Its content becomes a new version (v{(versions[0]?.version ?? 0) + 1}) and the gateway uses it from the next request. Nothing is
          deleted: the rollback shows in the history and can itself be rolled back.
        </p>
      </ConfirmDialog>
    </>
  );
}
