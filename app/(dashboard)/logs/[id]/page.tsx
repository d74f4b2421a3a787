/**
 * `/logs/[id]`: one request as Detour saw it: what was asked, every attempt in order with why
 * Detour moved on, what came back (bodies and headers as escaped text), its metadata, its trace,
 * and the config version that routed it.
 */
import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { toLogDetail } from "@/lib/api/logs";
import { requireSession } from "@/lib/auth/session";
import { maskConfigText } from "@/lib/config-secrets";
import { getDb } from "@/lib/db";
import { logQueryToSearchParams } from "@/lib/logs/query";
import { assembleResponseJson, assembleStream } from "@/lib/logs/stream-text";
import { getEncryptionKey } from "@/lib/secrets";
import { API_KEYS_PAGE_SIZE } from "@/lib/dashboard/list-query";
import { apiKeysBefore, findApiKey } from "@/lib/store/api-keys";
import { replayableBody } from "@/lib/logs/replay";
import { findConfig, findConfigVersion, listConfigs } from "@/lib/store/configs";
import { getLogWithAttempts } from "@/lib/store/log-query";
import { formatCost, formatCount, formatMs, formatTime } from "../_components/format";
import { StatusBadge } from "../_components/status-badge";
import { AnswerView } from "./_components/answer-view";
import { AttemptTimeline } from "./_components/attempt-timeline";
import { CopyCurl } from "./_components/copy-curl";
import { JsonBlock, KeyValueTable } from "./_components/json-block";
import { ReplayPanel } from "./_components/replay-panel";

/** How many saved configs the replay's choice lists (the most recently changed first). */
const REPLAY_CONFIGS = 200;

type Params = { id: string };

export async function generateMetadata({ params }: { params: Promise<Params> }): Promise<Metadata> {
  const { id } = await params;
  return { title: `Log ${id.slice(0, 40)}` };
}

// Log ids are `log_` + 26 characters; anything much longer cannot be one.
const MAX_ID = 128;

export default async function LogDetailPage({ params }: { params: Promise<Params> }) {
  const { id } = await params;
  const user = await requireSession(`/logs/${encodeURIComponent(id)}`);
  const db = getDb();
  const row = id.length <= MAX_ID ? await getLogWithAttempts(db, user.workspaceId, id) : null;
  if (!row) notFound();
  const log = toLogDetail(row);
  const [configVersion, apiKey, savedConfigs] = await Promise.all([
    log.config && log.config_version !== null ? findConfigVersion(db, user.workspaceId, log.config, log.config_version) : null,
    log.api_key_id ? findApiKey(db, user.workspaceId, log.api_key_id) : null,
    listConfigs(db, user.workspaceId, { status: "active", skip: 0, take: REPLAY_CONFIGS }),
  ]);
  const replayCheck = replayableBody(row);
  // No version recorded: the request was refused before its config was read (the config named may
  // not exist, or not be valid); the config as it is now, if there is one by that id.
  const configNow = log.config && log.config_version === null ? await findConfig(db, user.workspaceId, log.config) : null;
  const apiKeyPage = apiKey ? Math.floor((await apiKeysBefore(db, user.workspaceId, apiKey)) / API_KEYS_PAGE_SIZE) + 1 : 1;
  const configHref = (slug: string, version?: number) =>
    `/configs/${encodeURIComponent(slug)}${version !== undefined ? `#cfg-v${version}` : ""}`;
  const traceHref = `/logs?${logQueryToSearchParams({ filters: { trace_id: log.trace_id } })}`;
  const modelText =
    log.model_requested && log.model && log.model_requested !== log.model
      ? `${log.model} (asked for ${log.model_requested})`
      : (log.model ?? log.model_requested ?? "—");

  const responseId = log.response_id;
  // Providers report 0 for models that do not reason: shown only when there were some.
  const reasoningTokens = log.reasoning_tokens ? log.reasoning_tokens : null;
  const answer = log.stream
    ? assembleStream(log.path, log.response_body)
    : log.path === "/v1/responses" || log.path.startsWith("/v1/responses/")
      ? assembleResponseJson(log.response_body)
      : null;

  // A null entry is a fact this log does not have.
  const facts: ([string, React.ReactNode] | null)[] = [
    [
      "Time (UTC)",
      <span className="mono" key="t">
        {formatTime(log.created_at, true)}
      </span>,
    ],
    [
      "Trace ID",
      <span key="trace">
        <code>{log.trace_id}</code> · <Link href={traceHref}>All requests of this trace</Link>
      </span>,
    ],
    [
      "Endpoint",
      <span className="mono" key="p">
        {log.method} {log.path}
        {log.stream ? " (stream)" : ""}
      </span>,
    ],
    responseId
      ? [
          "Response ID",
          <span key="rid">
            <code>{responseId}</code> ·{" "}
            <Link href={`/logs?${logQueryToSearchParams({ filters: { response_id: responseId } })}`}>All requests of this response</Link>
          </span>,
        ]
      : null,
    ["Model", modelText],
    ["Provider", log.provider ?? "—"],
    [
      "Virtual key",
      log.virtual_key ? (
        <span key="vk">
          <Link className="mono" href={`/virtual-keys/${encodeURIComponent(log.virtual_key)}`}>
            {log.virtual_key}
          </Link>
          {log.virtual_key_version !== null ? <span className="muted"> key version {log.virtual_key_version}</span> : null}
        </span>
      ) : (
        "—"
      ),
    ],
    [
      "Config",
      log.config ? (
        <span key="cfg">
          {configVersion ? (
            <Link className="mono" href={configHref(log.config, configVersion.version.version)}>
              {log.config} v{configVersion.version.version}
            </Link>
          ) : configNow ? (
            <Link className="mono" href={configHref(log.config)}>
              {log.config}
            </Link>
          ) : (
            <span className="mono">
              {log.config}
              {log.config_version !== null ? ` v${log.config_version}` : ""}
            </span>
          )}
          {log.config_from_api_key ? (
            <span title="The request named no config: its API key's default config routed it."> (the API key&apos;s default)</span>
          ) : null}
          {configVersion ? null : <span className="muted"> ({configMissing(log.config_version, configNow !== null)})</span>}
        </span>
      ) : (
        "none (headers or inline)"
      ),
    ],
    [
      "Tokens",
      log.total_tokens === null
        ? "—"
        : `${formatCount(log.total_tokens)} (${formatCount(log.prompt_tokens)} prompt + ${formatCount(log.completion_tokens)} completion)${cacheText(log.cache_read_tokens, log.cache_write_tokens)}`,
    ],
    reasoningTokens !== null ? ["Reasoning tokens", `${formatCount(reasoningTokens)} (part of the completion)`] : null,
    [
      "Cost",
      <span key="c" title={log.cost === null ? "unknown: no usage, or a model without a price" : undefined}>
        {formatCost(log.cost)}
        {log.usage_estimated ? " (estimated: the stream was cut before its usage arrived; charged to the budgets as such)" : ""}
      </span>,
    ],
    ["Latency", `${formatMs(log.latency_ms)} (Detour's overhead ${log.overhead_ms} ms)`],
    ["Retries", log.retry_count < 0 ? "gave up after its retries" : String(log.retry_count)],
    [
      "Cache",
      log.cache_status === "HIT" ? (
        <span key="cache">
          HIT{" "}
          <span
            className="muted"
            title={
              log.cost_saved === null
                ? "unknown: the cached answer has no usage, or its model has no price"
                : "what this answer would have cost from the provider, at today's prices"
            }
          >
            (saved {formatCost(log.cost_saved)})
          </span>
        </span>
      ) : (
        log.cache_status
      ),
    ],
    ["Error", log.error_type ?? "—"],
    [
      "API key",
      apiKey ? (
        <span key="k">
          <Link href={`/api-keys${apiKeyPage > 1 ? `?page=${apiKeyPage}` : ""}#api-key-${apiKey.id}`}>{apiKey.name}</Link>{" "}
          <code>{apiKey.prefix}...</code>
          {apiKey.revokedAt ? <span className="muted"> (revoked)</span> : null}
        </span>
      ) : log.api_key_id ? (
        <span key="k" className="muted">
          a key since deleted
        </span>
      ) : (
        "—"
      ),
    ],
  ];

  return (
    <article className="log-detail" aria-labelledby="log-title">
      <nav className="crumbs" aria-label="Breadcrumb">
        <Link href="/logs">Logs</Link> <span aria-hidden="true">/</span> <span className="mono">{log.id}</span>
      </nav>
      <header className="log-detail-head">
        <h1 id="log-title">
          Request <span className="mono">{log.id}</span>
        </h1>
        <div className="log-detail-badges">
          <StatusBadge status={log.status} />
          {log.fallback_used ? <span className="badge badge-warn">Fallback used</span> : null}
          {log.retry_count !== 0 ? (
            <span className="badge">
              {log.retry_count < 0 ? "retries exhausted" : `${log.retry_count} ${log.retry_count === 1 ? "retry" : "retries"}`}
            </span>
          ) : null}
          {log.cache_status === "HIT" ? (
            <span className="badge">cache hit{log.cost_saved !== null ? `, saved ${formatCost(log.cost_saved)}` : ""}</span>
          ) : null}
          <span className="muted">
            {log.provider ?? "no provider"} · {formatMs(log.latency_ms)} · {formatCost(log.cost)}
          </span>
        </div>
      </header>

      <div className="detail-grid">
        <section className="panel" aria-labelledby="summary-h">
          <h2 id="summary-h">Summary</h2>
          <dl className="facts">
            {facts
              .flatMap((fact) => (fact ? [fact] : []))
              .map(([term, value]) => (
                <div key={term}>
                  <dt>{term}</dt>
                  <dd>{value}</dd>
                </div>
              ))}
          </dl>
        </section>

        <section className="panel" aria-labelledby="attempts-h">
          <h2 id="attempts-h">
            Attempts <span className="muted">({log.attempts.length})</span>
          </h2>
          <AttemptTimeline log={log} />
        </section>
      </div>

      <ReplayPanel
        logId={log.id}
        unavailable={replayCheck.ok ? null : replayCheck.reason}
        logged={
          configVersion
            ? { slug: configVersion.config.slug, name: configVersion.config.name, version: configVersion.version.version }
            : null
        }
        configs={savedConfigs.rows.map((c) => ({ slug: c.slug, name: c.name, version: c.version }))}
        editedText={
          configVersion ? prettyJson(maskConfigText(configVersion.version.body, getEncryptionKey())) : '{\n  "virtual_key": ""\n}'
        }
        original={{
          attempts: log.attempts,
          created_at: log.created_at,
          latency_ms: log.latency_ms,
          cache_status: log.cache_status,
          error_type: log.error_type,
        }}
        stream={log.stream}
      />

      <div className="detail-grid">
        <section className="panel" aria-labelledby="req-h">
          <h2 id="req-h">Request</h2>
          <CopyCurl
            request={{
              method: log.method,
              path: log.path,
              headers: stringEntries(log.request_headers),
              body: log.request_body,
              bodyTruncated: log.request_body_truncated,
              responseId: log.response_id,
            }}
          />
          <h3>Body</h3>
          <JsonBlock label="Request body" text={log.request_body} truncated={log.request_body_truncated} />
          <h3>Headers</h3>
          <KeyValueTable label="Request headers" entries={log.request_headers} emptyText="No headers stored." />
        </section>
        <section className="panel" aria-labelledby="res-h">
          <h2 id="res-h">Response</h2>
          {answer && log.response_body && (answer.events > 0 || !log.stream) ? (
            <AnswerView
              answer={answer}
              rawLabel={log.stream ? "Raw events" : "Raw JSON"}
              rawText={log.response_body}
              truncated={log.response_body_truncated}
              stream={log.stream}
            />
          ) : (
            <>
              <h3>Body</h3>
              <JsonBlock
                label="Response body"
                text={log.response_body}
                truncated={log.response_body_truncated}
                emptyText={log.stream ? "A stream: its events are not stored." : "Not stored."}
              />
            </>
          )}
          <h3>Headers</h3>
          <KeyValueTable label="Response headers" entries={log.response_headers} emptyText="No headers stored." />
        </section>
      </div>

      <div className="detail-grid">
        <section className="panel" aria-labelledby="meta-h">
          <h2 id="meta-h">Metadata</h2>
          <KeyValueTable label="Metadata" entries={log.metadata} emptyText="No metadata (x-portkey-metadata) was sent." />
        </section>
        <section className="panel" aria-labelledby="config-h">
          <h2 id="config-h">Config that routed it</h2>
          {!log.config ? (
            <p className="muted">No saved config: the request named its targets in headers or an inline config.</p>
          ) : configVersion ? (
            <>
              <p>
                <Link href={configHref(log.config, configVersion.version.version)}>
                  <span className="mono">{log.config}</span>
                </Link>{" "}
                “{configVersion.config.name}”, version {configVersion.version.version}
                {configVersion.version.version !== configVersion.config.version ? (
                  <span className="muted"> (current: v{configVersion.config.version})</span>
                ) : (
                  <span className="muted"> (current)</span>
                )}
              </p>
              {log.config_from_api_key ? (
                <p className="muted">The request named no config: this is the default config of its API key.</p>
              ) : null}
              <JsonBlock
                label={`Config ${log.config} version ${configVersion.version.version}`}
                text={maskConfigText(configVersion.version.body, getEncryptionKey())}
              />
            </>
          ) : (
            <p className="muted">
              {configNow ? (
                <Link className="mono" href={configHref(log.config)}>
                  {log.config}
                </Link>
              ) : (
                <span className="mono">{log.config}</span>
              )}
              {log.config_version !== null ? ` v${log.config_version}` : ""}: {configMissing(log.config_version, configNow !== null)}.
            </p>
          )}
        </section>
      </div>
    </article>
  );
}

/** A stored config's JSON, indented for editing. */
function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** The headers as stored are text; anything else (a hand-edited row) is left out of the curl. */
function stringEntries(headers: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter((e): e is [string, string] => typeof e[1] === "string"));
}

/** Why a log's config version cannot be shown. */
function configMissing(version: number | null, existsNow: boolean): string {
  if (version !== null) return "this version is no longer available: the config was deleted";
  return existsNow
    ? "no version recorded: the request was refused before its config was read (see Error)"
    : "no version recorded: the request was refused before its config was read; no config has this id in the workspace";
}

/** The prompt's cached part, when the provider reported one: "; prompt cache: 2,000 read, 100 written". */
function cacheText(read: number | null, written: number | null): string {
  const parts: string[] = [];
  if (read) parts.push(`${formatCount(read)} read`);
  if (written) parts.push(`${formatCount(written)} written`);
  return parts.length ? `; prompt cache: ${parts.join(", ")}` : "";
}
