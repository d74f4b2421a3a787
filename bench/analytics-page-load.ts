/**
 * Times the server render of `/analytics` against a big database, for each range and every split
 * (the page reads only the hourly rollups, so the time should not grow with the number of logs). A
 * measurement to run by hand, not a test (timings depend on the machine):
 *
 *   DETOUR_DATA_DIR=<scratch dir> npx tsx scripts/seed-logs.ts --rows 1000000 --batch 5000   # or --database-url for PostgreSQL
 *   npx tsx scripts/start.ts --prepare
 *   DETOUR_DATA_DIR=<scratch dir> [DATABASE_URL=postgresql://...] npx tsx bench/analytics-page-load.ts [--runs 15] [--ranges 24h,7d,30d]
 *
 * Prints the median and p90 of the whole HTML response (RSC payload with the chart data included).
 * --ranges picks the ranges (default all three); every split is timed for each.
 */
import { parseArgs } from "node:util";
import { startServer, waitForHealthOrExit } from "../testing/server-process";

const { values: args } = parseArgs({
  options: { runs: { type: "string", default: "15" }, ranges: { type: "string", default: "24h,7d,30d" } },
});
const RUNS = Math.max(1, Number(args.runs));
const dataDir = process.env.DETOUR_DATA_DIR;
if (!dataDir) {
  console.error("Set DETOUR_DATA_DIR to the seeded scratch data directory.");
  process.exit(2);
}

const ADMIN = { email: "perf-admin@detour.test", password: "perf-password-0123" };
const ADMIN_KEY = "detour-perf-admin-key-0123456789";

function cookiesOf(res: Response): string[] {
  return res.headers.getSetCookie().map((c) => c.split(";")[0]!);
}

async function signIn(base: string): Promise<string> {
  const csrfRes = await fetch(`${base}/api/auth/csrf`);
  const { csrfToken } = (await csrfRes.json()) as { csrfToken: string };
  const jar = cookiesOf(csrfRes);
  const res = await fetch(`${base}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: jar.join("; ") },
    body: new URLSearchParams({ csrfToken, email: ADMIN.email, password: ADMIN.password, callbackUrl: `${base}/analytics`, json: "true" }),
  });
  const session = cookiesOf(res).find((c) => c.startsWith("next-auth.session-token="));
  if (!session) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`);
  return [...jar, session].join("; ");
}

async function time(url: string, cookie: string): Promise<{ ms: number; status: number; bytes: number }> {
  const started = performance.now();
  const res = await fetch(url, { headers: { cookie }, redirect: "manual" });
  const body = await res.text();
  return { ms: performance.now() - started, status: res.status, bytes: body.length };
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;

async function main() {
  const server = await startServer({
    NODE_ENV: "production",
    DATABASE_URL: process.env.DATABASE_URL ?? "",
    DETOUR_DATA_DIR: dataDir!,
    DETOUR_ADMIN_EMAIL: ADMIN.email,
    DETOUR_ADMIN_PASSWORD: ADMIN.password,
    DETOUR_ADMIN_API_KEY: ADMIN_KEY,
  });
  try {
    const up = await waitForHealthOrExit(server);
    if (up.health !== 200) throw new Error(`server did not start: ${JSON.stringify(up)}\n${server.output()}`);
    const base = `http://127.0.0.1:${server.port}`;
    const cookie = await signIn(base);
    console.log(`\n/analytics server render, ${RUNS} runs after a warm-up, ms (whole response over localhost)\n`);
    console.log("| URL | median | p90 | HTML KiB |");
    console.log("|---|---:|---:|---:|");
    for (const range of args.ranges.split(",")) {
      for (const split of ["none", "provider", "model", "endpoint", "api_key", "virtual_key", "config", "status"]) {
        const path = `/analytics?range=${range}&split=${split}`;
        const first = await time(`${base}${path}`, cookie);
        if (first.status !== 200) throw new Error(`${path} -> ${first.status}`);
        const samples: number[] = [];
        for (let i = 0; i < RUNS; i++) samples.push((await time(`${base}${path}`, cookie)).ms);
        samples.sort((a, b) => a - b);
        console.log(`| ${path} | ${pct(samples, 0.5).toFixed(1)} | ${pct(samples, 0.9).toFixed(1)} | ${(first.bytes / 1024).toFixed(0)} |`);
      }
    }
  } finally {
    await server.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
