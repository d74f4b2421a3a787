/**
 * What keeps provider keys out of the request log (docs/GATEWAY.md §9): headers that carry a credential
 * are stored as `[redacted]`, the credential fields of an inline `x-portkey-config` are redacted
 * (the rest of the config stays readable), and every secret the request used (the targets' keys,
 * virtual keys' included; the direct-mode Bearer key; the keys of the inline config) is replaced
 * by `[redacted]` wherever it appears in the stored bodies, headers, metadata and attempt
 * messages: an upstream that echoes a key cannot plant it in the log. The work is a string search
 * per secret and text (a replacement only where one is found), off the request path.
 */
import { CREDENTIAL_KEYS } from "../config/credentials";
import { forEachRequestHeader } from "../../http/node-request";
import { decodeHeaderValue, isJsonText } from "./headers";
import type { ResolvedTarget } from "./resolve-targets";
import type { RouteNode } from "../router";

export const REDACTED = "[redacted]";

/** Headers whose whole value is a credential. */
export const SECRET_HEADERS = new Set(["authorization", "proxy-authorization", "x-portkey-api-key", "api-key", "x-api-key", "cookie"]);
/** Headers whose value is a config or a URL that may hold a credential: redacted field by field. */
export const CONFIG_HEADER = "x-portkey-config";
const HOST_HEADER = "x-portkey-custom-host";

/**
 * Secrets shorter than this are redacted where they are known to be (header values, config
 * fields) but not searched for in texts: a 3-character "key" would blank out ordinary words.
 * Every real provider key is far longer.
 */
export const MIN_SEARCHED_SECRET = 8;
/** A stored text cut short (a truncated stream log) may end with the start of a secret: that start is redacted from this many characters on. */
const MIN_TAIL = 4;

/** The forms a secret takes in stored text: as it is, JSON-escaped (`"` `\` controls), with `\/`, and ASCII-only JSON (`\u00e9`). Longest first. */
export function secretForms(secret: string): readonly string[] {
  let forms = knownForms.get(secret);
  if (forms === undefined) {
    const json = JSON.stringify(secret).slice(1, -1);
    const all = new Set([
      secret,
      json,
      json.replaceAll("/", "\\/"),
      json.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`),
    ]);
    forms = Object.freeze([...all].sort((a, b) => b.length - a.length));
    // The same few keys come back on every request: their forms are made once (a bounded memo, in
    // memory only, as the keys themselves are while requests use them).
    if (knownForms.size >= KNOWN_FORMS_MAX) knownForms.clear();
    knownForms.set(secret, forms);
  }
  return forms;
}
const knownForms = new Map<string, readonly string[]>();
const KNOWN_FORMS_MAX = 1_000;

/** Replaces every form of the given secrets in texts. */
export class Redactor {
  private readonly forms: string[];

  constructor(secrets: Iterable<string>) {
    const forms = new Set<string>();
    for (const secret of secrets) {
      if (secret.length < MIN_SEARCHED_SECRET) continue;
      for (const form of secretForms(secret)) forms.add(form);
    }
    this.forms = [...forms].sort((a, b) => b.length - a.length);
  }

  get empty(): boolean {
    return this.forms.length === 0;
  }

  text(text: string): string {
    let out = text;
    for (const form of this.forms) if (out.includes(form)) out = out.replaceAll(form, REDACTED);
    return out;
  }

  /** `text` redacted, and, when `cut` (the text was truncated), a secret's beginning at its very end too. */
  cutText(text: string, cut: boolean): string {
    const out = this.text(text);
    if (!cut) return out;
    for (const form of this.forms) {
      for (let k = Math.min(form.length - 1, out.length); k >= MIN_TAIL; k--) {
        if (out.endsWith(form.slice(0, k))) return out.slice(0, out.length - k) + REDACTED;
      }
    }
    return out;
  }
}

/** Every provider key a routed request could send: its targets' (virtual keys' decrypted ones included). */
export function routingSecrets(node: RouteNode<ResolvedTarget> | null | undefined, into: Set<string>): void {
  if (!node) return;
  if (node.kind === "leaf") {
    if (node.target.creds.apiKey) into.add(node.target.creds.apiKey);
    return;
  }
  for (const child of node.children) routingSecrets(child.node, into);
}

/** The value of a credential header as a secret (a Bearer token without its scheme). */
function headerSecret(value: string): string {
  return /^(?:Bearer|Basic)\s+(.+)$/i.exec(value.trim())?.[1]?.trim() ?? value.trim();
}

/** A URL with any user-info (`https://user:pass@host`) redacted. */
export function redactUrlCredentials(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, `$1${REDACTED}@`);
}

/**
 * An inline config (header text) with its credential fields (`api_key`, `apiKey`) redacted and
 * custom hosts' user-info removed; the keys found are added to `secrets`. The whole JSON value is
 * walked (arrays, unknown keys, any depth), not only the config schema's places: the configs that
 * reach the log include invalid ones, shaped any way a client sent them. Text that is not JSON
 * cannot be redacted field by field: it is replaced whole.
 */
export function redactConfigText(text: string, secrets: Set<string>): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return `${REDACTED} (not valid JSON)`;
  }
  return JSON.stringify(redactJsonCredentials(parsed, secrets));
}

function redactJsonCredentials(node: unknown, secrets: Set<string>): unknown {
  if (Array.isArray(node)) return node.map((child) => redactJsonCredentials(child, secrets));
  if (typeof node !== "object" || node === null) return node;
  // A null prototype keeps a "__proto__" key as data (a plain object would take it as its prototype).
  const out: Record<string, unknown> = Object.create(null);
  for (const [key, value] of Object.entries(node)) {
    if (CREDENTIAL_KEYS.includes(key) && typeof value === "string") {
      secrets.add(value);
      out[key] = REDACTED;
    } else if ((key === "custom_host" || key === "customHost") && typeof value === "string") {
      out[key] = redactUrlCredentials(value);
    } else {
      out[key] = redactJsonCredentials(value, secrets);
    }
  }
  return out;
}

/**
 * One request header's value as it is stored (see the file comment), from its UTF-8 text; the
 * secrets it carried are added to `secrets`. Also used on stored rows by the one-time scrub of
 * rows written before this rule (`lib/logs/scrub-row.ts`).
 */
export function redactHeaderValue(name: string, value: string, secrets: Set<string>): string {
  if (SECRET_HEADERS.has(name)) {
    if (name !== "cookie") secrets.add(headerSecret(value));
    return REDACTED;
  }
  // Any JSON is an inline config (headers.ts), valid or not; a saved config's id is kept.
  if (name === CONFIG_HEADER && isJsonText(value.trim())) return redactConfigText(value.trim(), secrets);
  if (name === HOST_HEADER) return redactUrlCredentials(value);
  return value;
}

/** Request headers with credentials redacted (see the file comment); the secrets they carried are added to `secrets`. */
export function redactHeaders(request: Request, secrets: Set<string>): Record<string, string> {
  const out: Record<string, string> = {};
  forEachRequestHeader(request, (raw, name) => {
    // Node hands header values over as latin1: store the UTF-8 text that was sent.
    out[name] = redactHeaderValue(name, decodeHeaderValue(raw), secrets);
  });
  return out;
}
