/**
 * `npm run demo`: Detour and the mock OpenAI/Azure upstream on this machine, no internet needed.
 * Creates an OpenAI and an Azure virtual key and a fallback config (OpenAI first, then Azure),
 * sends a stream of requests while the OpenAI side fails part of the time, prints what happened
 * to each, and keeps serving so you can look in the browser. Ctrl-C stops everything.
 *   --once   exit after the requests instead of serving on
 */
import { execFileSync } from "node:child_process";
import path from "node:path";
import { Portkey } from "portkey-ai";
import { azureOpenAiInfo, openAiInfo } from "../lib/gateway/providers/catalog";
import { startHarness } from "../testing/gateway-harness";

const root = path.resolve(__dirname, "..");
const port = Number(process.env.PORT ?? 3000);
const total = Number(process.env.DEMO_REQUESTS ?? 40);
const adminPassword = "detour-demo-password";

async function main(): Promise<void> {
  execFileSync(process.execPath, [path.join(root, "node_modules/tsx/dist/cli.mjs"), path.join(root, "scripts/start.ts"), "--prepare"], {
    cwd: root,
    stdio: "inherit",
  });
  console.log("\n[demo] starting the mock upstream and Detour ...");
  const h = await startHarness({ LOG_LEVEL: "warn" }, { port, adminPassword });
  const stop = async () => {
    await h.close();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop());
  process.on("SIGTERM", () => void stop());

  const openaiVk = await h.openaiKey("OpenAI (mock)");
  const azureVk = await h.azureKey("Azure OpenAI (mock)");
  const configId = await h.config("OpenAI to Azure fallback", {
    strategy: { mode: "fallback", on_status_codes: [429, 500, 502, 503] },
    targets: [{ virtual_key: openaiVk }, { virtual_key: azureVk }],
  });
  // The OpenAI side fails about 40% of the time: 503 overloads and 429 rate limits.
  h.mock.script({ match: { provider: "openai" }, fault: { kind: "status", status: 503 }, probability: 0.25 });
  h.mock.script({ match: { provider: "openai" }, fault: { kind: "status", status: 429, retryAfterSeconds: 1 }, probability: 0.2 });

  console.log(`[demo] virtual keys: ${openaiVk} (${openAiInfo.id}), ${azureVk} (${azureOpenAiInfo.id}); config: ${configId}\n`);
  const portkey = new Portkey({ apiKey: h.apiKey, baseURL: h.baseURL, config: configId });
  let rescued = 0;
  for (let i = 1; i <= total; i++) {
    const traceId = `demo-${String(i).padStart(3, "0")}`;
    const started = performance.now();
    try {
      const res = await portkey.chat.completions.create(
        {
          model: i % 3 === 0 ? "gpt-4o-mini" : "gpt-4o",
          messages: [{ role: "user", content: `Request ${i}: what are the 7 wonders of the world?` }],
        },
        { traceID: traceId },
      );
      const headers = (res as unknown as { getHeaders(): Record<string, string> }).getHeaders();
      const fallback = headers.fallback === "true";
      if (fallback) rescued++;
      console.log(
        `${traceId}  200  served by ${headers.provider?.padEnd(12)} ${fallback ? "<- fallback rescued it" : "                      "}  ${Math.round(performance.now() - started)} ms`,
      );
    } catch (err) {
      console.log(`${traceId}  ${(err as { status?: number }).status ?? "ERR"}  ${(err as Error).message.slice(0, 80)}`);
    }
  }
  console.log(`\n[demo] ${total} requests, ${rescued} rescued by the fallback to Azure.`);
  console.log(`[demo] Open ${h.url} and sign in as admin@detour.local / ${adminPassword}`);
  console.log(`[demo] Logs: ${h.url}/logs?fallback=true shows the rescued requests (fallback icon); open one to see its two attempts.`);
  console.log(`[demo] One request: ${h.url}/logs?trace_id=demo-001 · Analytics: ${h.url}/analytics · Config: ${h.url}/configs/${configId}`);
  console.log(
    `[demo] Call it yourself: curl ${h.baseURL}/chat/completions -H 'x-portkey-api-key: ${h.apiKey}' -H 'x-portkey-config: ${configId}' -H 'content-type: application/json' -d '{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}'`,
  );
  if (process.argv.includes("--once")) return stop();
  console.log("[demo] Serving until Ctrl-C.");
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
