// JSON control API under /__mock/ (same operations as the in-process methods).
import type { IncomingMessage, ServerResponse } from "node:http";
import { RuleError } from "./rules";
import type { ApiPath, FaultKind, FaultRule, Provider, RecordedRequest, RequestFilter, ScriptedRule } from "./types";

export interface ControlTarget {
  script(rule: FaultRule): string;
  clearScript(): void;
  rules(): ScriptedRule[];
  reset(): void;
  requests(filter?: RequestFilter): RecordedRequest[];
}

const MAX_BODY = 1 << 20;

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

function filterFrom(query: URLSearchParams | undefined): RequestFilter {
  const f: RequestFilter = {};
  if (!query) return f;
  const provider = query.get("provider");
  if (provider) f.provider = provider as Provider;
  const path = query.get("path");
  if (path) f.path = path as ApiPath;
  const fault = query.get("fault");
  if (fault) f.fault = fault as FaultKind;
  for (const k of ["key", "deployment", "model"] as const) {
    const v = query.get(k);
    if (v) f[k] = v;
  }
  return f;
}

function route(
  target: ControlTarget,
  method: string,
  action: string,
  query: URLSearchParams | undefined,
  raw: string,
  res: ServerResponse,
): void {
  const op = `${method} ${action}`;
  switch (op) {
    case "POST script": {
      let rule: unknown;
      try {
        rule = JSON.parse(raw);
      } catch {
        sendJson(res, 400, { error: "body must be a JSON FaultRule" });
        return;
      }
      try {
        sendJson(res, 200, { id: target.script(rule as FaultRule) });
      } catch (e) {
        if (!(e instanceof RuleError)) throw e;
        sendJson(res, 400, { error: e.message });
      }
      return;
    }
    case "GET script":
      sendJson(res, 200, target.rules());
      return;
    case "DELETE script":
      target.clearScript();
      sendJson(res, 200, { ok: true });
      return;
    case "POST reset":
      target.reset();
      sendJson(res, 200, { ok: true });
      return;
    case "GET requests":
      sendJson(res, 200, target.requests(filterFrom(query)));
      return;
    case "GET health":
      sendJson(res, 200, { ok: true });
      return;
    default:
      sendJson(res, 404, { error: `unknown control route: ${method} /__mock/${action}` });
  }
}

export function handleControl(
  target: ControlTarget,
  req: IncomingMessage,
  res: ServerResponse,
  action: string,
  query: URLSearchParams | undefined,
): void {
  const chunks: Buffer[] = [];
  let size = 0;
  req.on("error", () => {});
  req.on("data", (c: Buffer) => {
    size += c.length;
    if (size <= MAX_BODY) chunks.push(c);
  });
  req.on("end", () => {
    if (size > MAX_BODY) return sendJson(res, 413, { error: "body too large" });
    route(target, req.method ?? "GET", action, query, Buffer.concat(chunks).toString("utf8"), res);
  });
}
