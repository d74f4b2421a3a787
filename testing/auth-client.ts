/**
 * next-auth's credentials sign-in and sign-out over real HTTP, keeping every answer (status, the
 * `error` next-auth reports, the cookies), for the sign-in throttle and session tests.
 */

export type Jar = Record<string, string>;

export function cookiesOf(headers: Headers): Jar {
  const out: Jar = {};
  for (const line of headers.getSetCookie()) {
    const [pair] = line.split(";");
    const eq = pair!.indexOf("=");
    out[pair!.slice(0, eq).trim()] = pair!.slice(eq + 1).trim();
  }
  return out;
}

export const cookieHeader = (jar: Jar) =>
  Object.entries(jar)
    .filter(([, v]) => v !== "")
    .map(([k, v]) => `${k}=${v}`)
    .join("; ");

export const sessionCookieOf = (jar: Jar) => Object.entries(jar).find(([name]) => name.includes("session-token"))?.[1] || null;

export type SignInAnswer = { status: number; error: string | null; jar: Jar; session: string | null; ms: number };

/** One POST /api/auth/callback/credentials (after GET /api/auth/csrf), as the login page's signIn() sends it. */
export async function attemptSignIn(
  h: { url: string },
  email: string,
  password: string,
  headers: Record<string, string> = {},
): Promise<SignInAnswer> {
  const csrfRes = await fetch(`${h.url}/api/auth/csrf`, { headers });
  const { csrfToken } = (await csrfRes.json()) as { csrfToken: string };
  const jar = cookiesOf(csrfRes.headers);
  const started = Date.now();
  const res = await fetch(`${h.url}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookieHeader(jar), ...headers },
    body: new URLSearchParams({ csrfToken, email, password, json: "true" }).toString(),
  });
  const ms = Date.now() - started;
  const body = (await res.json().catch(() => ({}))) as { url?: string };
  const error = body.url ? new URL(body.url).searchParams.get("error") : null;
  const all = { ...jar, ...cookiesOf(res.headers) };
  return { status: res.status, error, jar: all, session: sessionCookieOf(all), ms };
}

/** Signs out the session in `jar` through next-auth (CSRF token, POST /api/auth/signout). */
export async function signOut(h: { url: string }, jar: Jar): Promise<Jar> {
  const csrfRes = await fetch(`${h.url}/api/auth/csrf`, { headers: { cookie: cookieHeader(jar) } });
  const { csrfToken } = (await csrfRes.json()) as { csrfToken: string };
  const withCsrf = { ...jar, ...cookiesOf(csrfRes.headers) };
  const res = await fetch(`${h.url}/api/auth/signout`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookieHeader(withCsrf) },
    body: new URLSearchParams({ csrfToken, json: "true" }).toString(),
  });
  if (res.status !== 200) throw new Error(`sign-out answered ${res.status}`);
  return { ...withCsrf, ...cookiesOf(res.headers) };
}

/** The value of one sample of a Prometheus counter (0 when absent). */
export function sample(metrics: string, name: string, labels: string): number {
  const line = metrics.split("\n").find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(" ").pop()) : 0;
}
