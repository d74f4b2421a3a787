/**
 * The session cookie next-auth writes (`next-auth.session-token`, `__Secure-` prefixed over HTTPS,
 * split into `.0`, `.1`... chunks when large), read and re-issued outside next-auth's own routes:
 * a password change hands the session that made it a new token under the new session version.
 */
import { decode, encode, type JWT } from "next-auth/jwt";
import { getAuthSecret } from "../secrets";
import { SESSION_MAX_AGE_S } from "./session-state";

const BASE = "next-auth.session-token";
const SECURE = `__Secure-${BASE}`;

type Jar = { name: string; value: string }[];

/** Which cookie name the browser uses, and the token (chunks joined). */
function findToken(jar: Jar): { name: string; value: string } | null {
  for (const name of [SECURE, BASE]) {
    const whole = jar.find((c) => c.name === name);
    if (whole) return { name, value: whole.value };
    const chunks = jar
      .filter((c) => c.name.startsWith(`${name}.`) && /^\d+$/.test(c.name.slice(name.length + 1)))
      .sort((a, b) => Number(a.name.slice(name.length + 1)) - Number(b.name.slice(name.length + 1)));
    if (chunks.length) return { name, value: chunks.map((c) => c.value).join("") };
  }
  return null;
}

/** The decoded session token of this request, with the cookie name it came in; null without a valid one. */
export async function readSessionToken(jar: Jar): Promise<{ name: string; token: JWT } | null> {
  const found = findToken(jar);
  if (!found) return null;
  const token = await decode({ token: found.value, secret: getAuthSecret() }).catch(() => null);
  return token ? { name: found.name, token } : null;
}

/** A Set-Cookie for `token` under `name` (the name the browser already uses), as next-auth would write it. */
export async function sessionSetCookie(name: string, token: JWT): Promise<string> {
  const value = await encode({ token, secret: getAuthSecret(), maxAge: SESSION_MAX_AGE_S });
  const expires = new Date(Date.now() + SESSION_MAX_AGE_S * 1000).toUTCString();
  return `${name}=${value}; Path=/; Expires=${expires}; HttpOnly; SameSite=Lax${name === SECURE ? "; Secure" : ""}`;
}
