/** listFailedAttempts: the failed attempts of a page's logs, in order, in one query (the list's fallback tooltips). */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newLogId, type AttemptRecordRow, type LogRecord } from "@/lib/logs/types";
import { listFailedAttempts } from "@/lib/store/log-query";
import { insertLogBatch } from "@/lib/store/logs";
import { ensureDefaultWorkspace } from "@/lib/store/workspaces";
import { createTestDatabase, type TestDatabase } from "@/testing/test-db";

const T0 = Date.UTC(2026, 0, 31, 12, 0, 0);

function attempt(index: number, targetPath: string, provider: string, status: number | null, errorClass: string | null): AttemptRecordRow {
  return {
    index,
    targetPath,
    provider,
    virtualKeySlug: `${provider}-key`,
    virtualKeyVersion: 1,
    model: "gpt-4o",
    status,
    errorClass,
    errorMessage: null,
    latencyMs: 10,
    retry: 0,
    startedAt: new Date(T0),
  };
}

function log(workspaceId: string, i: number, attempts: AttemptRecordRow[]): LogRecord {
  const createdAt = new Date(T0 + i);
  return {
    id: newLogId(createdAt),
    workspaceId,
    createdAt,
    traceId: `t${i}`,
    metadata: null,
    apiKeyId: null,
    configSlug: null,
    configVersion: null,
    configFromKey: false,
    method: "POST",
    path: "/v1/chat/completions",
    modelRequested: "gpt-4o",
    stream: false,
    status: 200,
    errorType: null,
    provider: "azure-openai",
    model: "gpt-4o",
    virtualKeySlug: null,
    virtualKeyVersion: null,
    promptTokens: 1,
    completionTokens: 1,
    totalTokens: 2,
    cacheReadTokens: null,
    cacheWriteTokens: null,
    reasoningTokens: null,
    responseId: null,
    cost: 0.00001,
    latencyMs: 20,
    overheadMs: 1,
    retryCount: 0,
    cacheStatus: "DISABLED",
    fallbackUsed: attempts.length > 1,
    requestBody: null,
    requestBodyTruncated: false,
    responseBody: null,
    responseBodyTruncated: false,
    requestHeaders: null,
    responseHeaders: null,
    attempts,
    affinity: [],
  };
}

describe("listFailedAttempts", () => {
  let t: TestDatabase;
  let logs: LogRecord[];

  beforeAll(async () => {
    t = await createTestDatabase();
    const ws = (await ensureDefaultWorkspace(t.db)).id;
    logs = [
      log(ws, 1, [
        attempt(0, "config.targets[0]", "openai", 503, "upstream_status"),
        attempt(1, "config.targets[1]", "azure-openai", 200, null),
      ]),
      log(ws, 2, [
        attempt(0, "config.targets[0]", "openai", null, "network"),
        attempt(1, "config.targets[0]", "openai", 408, "timeout"),
        attempt(2, "config.targets[1]", "azure-openai", 200, null),
      ]),
      log(ws, 3, [attempt(0, "virtual_key", "openai", 200, null)]),
      // A 2xx the gateway still counted as a failure (a broken stream): listed.
      log(ws, 4, [
        attempt(0, "config.targets[0]", "openai", 200, "stream_broken"),
        attempt(1, "config.targets[1]", "azure-openai", 200, null),
      ]),
    ];
    await insertLogBatch(t.db, logs);
  });
  afterAll(async () => t?.drop());

  it("returns only the failed attempts of the given logs, by log and in order", async () => {
    const rows = await listFailedAttempts(
      t.db,
      logs.map((l) => l.id),
    );
    const byLog = (i: number) =>
      rows.filter((r) => r.logId === logs[i]!.id).map((r) => [r.index, r.targetPath, r.provider, r.status, r.errorClass]);
    expect(byLog(0)).toEqual([[0, "config.targets[0]", "openai", 503, "upstream_status"]]);
    expect(byLog(1)).toEqual([
      [0, "config.targets[0]", "openai", null, "network"],
      [1, "config.targets[0]", "openai", 408, "timeout"],
    ]);
    expect(byLog(2)).toEqual([]);
    expect(byLog(3)).toEqual([[0, "config.targets[0]", "openai", 200, "stream_broken"]]);
    expect(rows[0]).toMatchObject({ virtualKeySlug: "openai-key" });
  });

  it("asks nothing for no ids, and ignores ids that are not logs", async () => {
    expect(await listFailedAttempts(t.db, [])).toEqual([]);
    expect(await listFailedAttempts(t.db, ["log_nope"])).toEqual([]);
    expect(await listFailedAttempts(t.db, [logs[2]!.id])).toEqual([]);
  });
});
