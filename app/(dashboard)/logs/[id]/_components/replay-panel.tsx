"use client";

import { useId, useState } from "react";
import { Button } from "@/components/ui/button";
import { Textarea } from "@/components/ui/field";
import { Select } from "@/components/ui/select";
import type { LogReplayResult } from "@/lib/api/log-replay";
import { sendJson } from "@/lib/browser/submit-json";
import { RoleNote, useCan } from "../../../_components/role";
import { RunResultError, RunResultHeader, RunResultTimeline } from "../../../_components/run-result";
import { AttemptTimeline, type TimelineRequest } from "./attempt-timeline";

export type ReplayConfigOption = { slug: string; name: string; version: number };

const LOGGED = "logged";
const EDITED = "edited";

/**
 * "Replay" on a log's page: sends the logged request again (`POST /v1/logs/{id}/replay`; the server
 * reads the logged body itself, so it never passes through the browser) through the config version
 * it was logged with, another saved config, or an edited config, then shows the replay's attempts
 * beside the original's on the same timeline, with a link to the replay's own log. For members and
 * above (a replay spends like a request); a request that cannot be replayed says why.
 */
export function ReplayPanel({
  logId,
  unavailable,
  logged,
  configs,
  editedText,
  original,
  stream,
}: {
  logId: string;
  /** Why this request cannot be replayed (lib/logs/replay.ts), or null. */
  unavailable: string | null;
  /** The config and version the request was logged with, when that version is still stored. */
  logged: ReplayConfigOption | null;
  /** The workspace's saved configs (their current version). */
  configs: readonly ReplayConfigOption[];
  /** The text an edited config starts from (the logged version's JSON, keys masked). */
  editedText: string;
  original: TimelineRequest;
  stream: boolean;
}) {
  const may = useCan("member");
  const headingId = useId();
  const [choice, setChoice] = useState(logged ? LOGGED : (configs[0]?.slug ?? EDITED));
  const [text, setText] = useState(editedText);
  const [jsonError, setJsonError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const [result, setResult] = useState<LogReplayResult | null>(null);

  const options = [
    ...(logged ? [{ value: LOGGED, label: `Same config, as logged: ${logged.name} (${logged.slug} v${logged.version})` }] : []),
    ...configs.map((c) => ({ value: c.slug, label: `${c.name} (${c.slug}, current v${c.version})` })),
    { value: EDITED, label: "An edited config (JSON)…" },
  ];

  async function replay() {
    let body: Record<string, unknown> = {};
    if (choice === EDITED) {
      try {
        body = { config: JSON.parse(text) as unknown, ...(logged ? { slug: logged.slug } : {}) };
      } catch (err) {
        setJsonError(`is not valid JSON: ${(err as Error).message}`);
        return;
      }
    } else if (choice !== LOGGED) body = { slug: choice };
    setPending(true);
    setFailure(null);
    setResult(null);
    const answer = await sendJson<LogReplayResult>(`/v1/logs/${encodeURIComponent(logId)}/replay`, "POST", body);
    setPending(false);
    if (!answer.ok) {
      const where = Object.entries(answer.fieldErrors).find(([path]) => path.startsWith("config"));
      if (where) setJsonError(`${where[0]} ${where[1]}`);
      setFailure(answer.message);
      return;
    }
    setResult(answer.data);
  }

  return (
    <section className="panel replay" aria-labelledby={headingId}>
      <h2 id={headingId}>Replay</h2>
      {unavailable ? (
        <p className="muted replay-unavailable">{unavailable}</p>
      ) : !may ? (
        <RoleNote need="member" what="replaying a request" />
      ) : (
        <>
          <p className="muted">
            Sends this request&apos;s logged body again
            {stream ? " (streamed, as the original was)" : ""} through a config you choose, and shows the new attempts beside the
            original&apos;s. It is billed and logged like any request (metadata <code>detour_replay_of</code>).
          </p>
          <div className="replay-form">
            <Select label="Config" value={choice} onChange={(e) => setChoice(e.target.value)} options={options} />
            {choice === EDITED ? (
              <Textarea
                label="Config JSON"
                className="cfg-json-field"
                value={text}
                rows={10}
                spellCheck={false}
                onChange={(e) => {
                  setText(e.target.value);
                  setJsonError(null);
                }}
                error={jsonError}
                hint="Masked keys (sk-...abcd#...) stand for the keys stored in the logged config."
              />
            ) : null}
          </div>
          <div className="cfg-save-row">
            <Button variant="primary" onClick={replay} disabled={pending}>
              {pending ? "Replaying…" : "Replay"}
            </Button>
          </div>
        </>
      )}
      <div aria-live="polite">
        {failure ? (
          <p role="alert" className="alert-error">
            {failure}
          </p>
        ) : null}
        {result ? (
          <section aria-label="Replay result">
            <RunResultHeader
              result={result}
              logLabel="Open the replay's log"
              via={
                <>
                  {" "}
                  with{" "}
                  {result.config.kind === "saved" ? (
                    <code>
                      {result.config.slug} v{result.config.version}
                    </code>
                  ) : (
                    "an edited config"
                  )}
                </>
              }
            />
            <RunResultError result={result} />
            <div className="replay-compare">
              <section aria-label="Original attempts">
                <h3>Original</h3>
                <AttemptTimeline log={original} />
              </section>
              <section aria-label="Replay attempts">
                <h3>Replay</h3>
                <RunResultTimeline result={result} />
              </section>
            </div>
          </section>
        ) : null}
      </div>
    </section>
  );
}
