/**
 * The audit trail's writer (docs/MANAGEMENT-API.md, "Audit trail"): one AuditEvent row per change
 * made through the management API or the dashboard (which uses the same API), per sign-in and per
 * failed sign-in. Who (a user or an API key, by id and by a label people read), what (`action`,
 * the target), when, from which address, and the target's state before and after, with every
 * secret removed (auditSnapshot). Written after the change succeeds and before the answer; a
 * failed write is logged with the whole event (it is never silently lost) and does not undo the change.
 */
import type { Principal } from "../api/handler";
import { getDb, type Db } from "../db";
import { errorDetail, logger } from "../logger";

export type ActorType = "user" | "api_key" | "system" | "anonymous";

export type AuditInput = {
  /** `<target type>.<verb>`: "config.create", "virtual_key.rotate", "user.role_change", "auth.sign_in_failed", ... */
  action: string;
  targetType?: string | null;
  targetId?: string | null;
  targetLabel?: string | null;
  before?: unknown;
  after?: unknown;
};

export type AuditEventInput = AuditInput & {
  workspaceId: string;
  actorType: ActorType;
  actorId?: string | null;
  actorLabel?: string | null;
  address?: string | null;
  userAgent?: string | null;
  at?: Date;
};

export const REDACTED = "[redacted]";

/** Field names whose values are secrets wherever they appear in a snapshot. */
const SECRET_FIELDS = new Set([
  "key",
  "api_key",
  "apikey",
  "password",
  "password_hash",
  "passwordhash",
  "token",
  "token_hash",
  "tokenhash",
  "secret",
  "client_secret",
  "authorization",
  "hash",
  "url", // an invitation's URL carries its one-time token
]);

/**
 * Names that hold a secret by their form, wherever they appear (a config's `aws_secret_access_key`,
 * a header `x-api-key`, an `access_token`); `masked_*` fields are display hints made to be shown.
 * Counts such as `max_tokens` do not match (`_token` only at the end).
 */
const SECRET_PATTERN = /(^|_)(secret|password|passwd|private_key|access_key|api_?key|token)$|(^|_)(secret|password)_/;

/** Whether a snapshot field's value is a secret, by its name. */
export function isSecretField(name: string): boolean {
  const k = name.toLowerCase().replace(/-/g, "_");
  if (k.startsWith("masked_")) return false;
  return SECRET_FIELDS.has(k) || SECRET_PATTERN.test(k);
}

/** A JSON copy of `value` with every secret field's value replaced by `[redacted]` (null stays null). */
export function auditSnapshot(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  return JSON.stringify(redact(value));
}

function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (value instanceof Date) return value.toISOString();
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      out[k] = isSecretField(k) && v !== null && v !== undefined ? REDACTED : redact(v);
    }
    return out;
  }
  return value;
}

/** Writes one event; never throws (a failure is logged with the event, secrets already removed). */
export async function writeAuditEvent(db: Db, event: AuditEventInput): Promise<void> {
  const data = {
    workspaceId: event.workspaceId,
    at: event.at ?? new Date(),
    actorType: event.actorType,
    actorId: event.actorId ?? null,
    actorLabel: event.actorLabel?.slice(0, 320) ?? null,
    action: event.action,
    targetType: event.targetType ?? null,
    targetId: event.targetId ?? null,
    targetLabel: event.targetLabel?.slice(0, 320) ?? null,
    address: event.address ?? null,
    userAgent: event.userAgent?.slice(0, 300) ?? null,
    before: auditSnapshot(event.before),
    after: auditSnapshot(event.after),
  };
  try {
    await db.auditEvent.create({ data });
  } catch (err) {
    logger.error({ err: errorDetail(err), audit: data }, "audit event could not be written");
  }
}

/** Records a change made by `principal` in its workspace. */
export async function recordAudit(principal: Principal, input: AuditInput, db: Db = getDb()): Promise<void> {
  await writeAuditEvent(db, {
    ...input,
    workspaceId: principal.workspaceId,
    actorType: principal.apiKeyId ? "api_key" : "user",
    actorId: principal.apiKeyId ?? principal.userId,
    actorLabel: principal.actorLabel,
    address: principal.address,
    userAgent: principal.userAgent,
  });
}
