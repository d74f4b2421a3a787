/**
 * Times the server render of the log explorer (`/logs`, `/logs/[id]`) against a big database. A
 * measurement to run by hand, not a test (timings depend on the machine):
 *
 *   npx tsx scripts/seed-logs.ts --rows 100000            # with DETOUR_DATA_DIR=<scratch dir>
 *   npx tsx scripts/start.ts --prepare                     # a production build
 *   DETOUR_DATA_DIR=<scratch dir> npx tsx bench/logs-page-load.ts [--runs 15]
 *
 * It starts Detour (scripts/server.ts) on that data directory (testing/server-process.ts), signs in through
 * next-auth's credentials endpoint, then requests each URL --runs times after a warm-up and prints
 * the median and p90 of the full response (HTML of a page of 50 rows, RSC payload included) as a
 * Markdown table.
 */
import { parseArgs } from "node:util";
import { startServer, waitForHealthOrExit } from "../testing/server-process";

const { values: args } = parseArgs({ options: { runs: { type: "string", default: "15" } } });
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
    body: new URLSearchParams({ csrfToken, email: ADMIN.email, password: ADMIN.password, callbackUrl: `${base}/logs`, json: "true" }),
  });
  const session = cookiesOf(res).find((c) => c.startsWith("next-auth.session-token="));
  if (!session) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`);
  return [...jar, session].join("; ");
}

async function time(url: string, cookie: string): Promise<{ ms: number; status: number; bytes: number; rows: number }> {
  const started = performance.now();
  const res = await fetch(url, { headers: { cookie }, redirect: "manual" });
  const body = await res.text();
  const ms = performance.now() - started;
  // Rows in the HTML: each row's time cell links to its detail page (the row's index and tab stop
  // are written before its class).
  const rows = (body.match(/<tr [^>]*class="dt-link-row/g) ?? []).length;
  return { ms, status: res.status, bytes: body.length, rows };
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;

async function main() {
  const server = await startServer({
    NODE_ENV: "production",
    DATABASE_URL: "",
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

    const api = async (q: string) =>
      (await (await fetch(`${base}/v1/logs?${q}`, { headers: { "x-portkey-api-key": ADMIN_KEY } })).json()) as {
        data: { id: string; trace_id: string }[];
        next_cursor: string | null;
      };
    const sampleFallback = (await api("fallback=true&limit=1")).data[0]!;
    // A cursor 20 pages deep (1,000 rows in), to show a deep page costs what the first does.
    let cursor: string | null = null;
    for (let i = 0; i < 20; i++) cursor = (await api(`limit=50${cursor ? `&cursor=${cursor}` : ""}`)).next_cursor;
    const dayAgo = new Date(Date.now() - 86_400_000).toISOString().replace(/\.\d+Z$/, "Z");

    const cases: [string, string][] = [
      ["no filter (newest first)", "/logs"],
      ["page 21 (cursor, 1,000 rows in)", `/logs?cursor=${cursor}`],
      ["status=5xx", "/logs?status=5xx"],
      ["status=429,503", "/logs?status=429,503"],
      ["fallback=true", "/logs?fallback=true"],
      ["trace_id=<one trace>", `/logs?trace_id=${encodeURIComponent(sampleFallback.trace_id)}`],
      ["cost_min=0.01&cost_max=0.05", "/logs?cost_min=0.01&cost_max=0.05"],
      ["sort=-cost", "/logs?sort=-cost"],
      ["sort=latency_ms", "/logs?sort=latency_ms"],
      ["provider=azure-openai&model=gpt-4o", "/logs?provider=azure-openai&model=gpt-4o"],
      ["config=pc-fallba-1a2b3c&virtual_key=azure-eastus-112233", "/logs?config=pc-fallba-1a2b3c&virtual_key=azure-eastus-112233"],
      ["from=<24 h ago>&status=5xx&fallback=true", `/logs?from=${dayAgo}&status=5xx&fallback=true`],
      ["metadata.team=search (common)", "/logs?metadata.team=search"],
      ["metadata.user=user-42 (rare)", "/logs?metadata.user=user-42"],
      ["metadata.env=prod&status=4xx&sort=-latency_ms", "/logs?metadata.env=prod&status=4xx&sort=-latency_ms"],
      ["limit=200", "/logs?limit=200"],
      ["invalid URL (error state)", "/logs?cost_min=abc"],
      ["/logs/[id] (a fallback row)", `/logs/${sampleFallback.id}`],
    ];

    console.log(`\n/logs server render, ${RUNS} runs after a warm-up, ms (whole response over localhost)\n`);
    console.log("| URL | median | p90 | rows | HTML KiB |");
    console.log("|---|---:|---:|---:|---:|");
    for (const [name, path] of cases) {
      const first = await time(`${base}${path}`, cookie); // warm-up
      if (first.status !== 200) throw new Error(`${path} -> ${first.status}`);
      const samples: number[] = [];
      for (let i = 0; i < RUNS; i++) samples.push((await time(`${base}${path}`, cookie)).ms);
      samples.sort((a, b) => a - b);
      console.log(
        `| ${name} | ${pct(samples, 0.5).toFixed(1)} | ${pct(samples, 0.9).toFixed(1)} | ${first.rows} | ${(first.bytes / 1024).toFixed(0)} |`,
      );
    }
  } finally {
    await server.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
