/**
 * A logged answer as the client received it (lib/logs/stream-text.ts): its text, reasoning, tool
 * calls (arguments pretty-printed), final status and error, and whether the stored body was cut
 * or ended early. The stored body itself (the raw events, or the raw JSON) is one click away in a
 * disclosure. Everything is React text, escaped: a model's `<script>` is shown, never run.
 */
import type { AssembledAnswer, AssembledUsage } from "@/lib/logs/stream-text";
import { formatCount } from "../../_components/format";
import { JsonBlock, prettyJson } from "./json-block";

function usageText(u: AssembledUsage): string {
  const parts = [
    u.inputTokens !== null ? `${formatCount(u.inputTokens)} input` : null,
    u.outputTokens !== null
      ? `${formatCount(u.outputTokens)} output${u.reasoningTokens ? ` (${formatCount(u.reasoningTokens)} reasoning)` : ""}`
      : null,
    u.totalTokens !== null ? `${formatCount(u.totalTokens)} total` : null,
  ].filter(Boolean);
  return parts.length ? parts.join(" · ") : "not reported";
}

/** What the reader must know about how complete the assembled answer is, or null. */
function completeness(answer: AssembledAnswer, truncated: boolean, stream: boolean): string | null {
  if (truncated) return " Stored up to 32 KiB: the answer below stops where the stored events do.";
  if (stream && !answer.ended) return "The stream ended without its final event (the client left, or the stream broke).";
  return null;
}

function TextBlock({ label, text }: { label: string; text: string }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region; focusable so the keyboard can scroll it
    <section className="code-block" tabIndex={0} aria-label={label}>
      <pre>{text}</pre>
    </section>
  );
}

export function AnswerView({
  answer,
  rawLabel,
  rawText,
  truncated,
  stream,
}: {
  answer: AssembledAnswer;
  /** The disclosure's summary: "Raw events" for a stream, "Raw JSON" for an answer. */
  rawLabel: string;
  rawText: string;
  truncated: boolean;
  stream: boolean;
}) {
  const note = completeness(answer, truncated, stream);
  const empty = !answer.text && !answer.refusal && answer.toolCalls.length === 0;
  return (
    <div className="answer">
      {note ? (
        <p className="json-note">
          {truncated ? <span className="badge badge-warn">Truncated</span> : null}
          {note}
        </p>
      ) : null}
      {answer.status || answer.error ? (
        <dl className="facts answer-end">
          {answer.status ? (
            <div>
              <dt>Final status</dt>
              <dd className="mono">{answer.status}</dd>
            </div>
          ) : null}
          {answer.error ? (
            <div>
              <dt>Error</dt>
              <dd className="answer-error">
                {answer.error.code ? <code>{answer.error.code}</code> : null}
                {answer.error.code ? ": " : null}
                {answer.error.message}
              </dd>
            </div>
          ) : null}
        </dl>
      ) : null}
      {answer.reasoning ? (
        <>
          <h3>Reasoning</h3>
          <TextBlock label="Reasoning" text={answer.reasoning} />
        </>
      ) : null}
      <h3>{stream ? "Assembled text" : "Output text"}</h3>
      {answer.text ? (
        <TextBlock label="Answer text" text={answer.text} />
      ) : (
        <p className="muted">{empty ? "No text and no tool calls." : "No text."}</p>
      )}
      {answer.refusal ? (
        <>
          <h3>Refusal</h3>
          <TextBlock label="Refusal" text={answer.refusal} />
        </>
      ) : null}
      {answer.toolCalls.length ? (
        <>
          <h3>
            Tool calls <span className="muted">({answer.toolCalls.length})</span>
          </h3>
          <ol className="answer-tools" aria-label="Tool calls">
            {answer.toolCalls.map((call, i) => (
              // Calls have no other stable key: an id may be missing or repeated in a cut stream.
              // biome-ignore lint/suspicious/noArrayIndexKey: the list is static text, in the stream's order
              <li key={i}>
                <div>
                  <code className="answer-tool-name">{call.name || "(no name)"}</code>
                  {call.id ? <span className="muted mono"> {call.id}</span> : null}
                </div>
                <TextBlock label={`Arguments of ${call.name || "tool call"} ${i + 1}`} text={prettyJson(call.arguments).text || "(none)"} />
              </li>
            ))}
          </ol>
        </>
      ) : null}
      {answer.usage ? (
        <p className="muted answer-usage">
          Usage {stream ? "reported in the stream" : "reported"}: {usageText(answer.usage)}
        </p>
      ) : null}
      <details className="answer-raw">
        <summary>{rawLabel}</summary>
        <JsonBlock label="Response body" text={rawText} truncated={truncated} />
      </details>
    </div>
  );
}
