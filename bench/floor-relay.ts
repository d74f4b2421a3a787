/**
 * The floor of bench/run.ts: the least a Node.js relay does to route a chat completion by a
 * Portkey-style config. A node:http server reads the body, reads `x-portkey-config` (inline JSON:
 * one target, or `{strategy: {mode: "fallback"}, targets: [...]}` with `provider`, `api_key`,
 * `custom_host` per target), calls each target in turn with undici's `request` over one
 * keep-alive Agent, moves on when a target answers non-2xx, and pipes the answer (a stream too)
 * back, saying which target answered (`x-portkey-last-used-option-index`). Nothing else: no auth, no validation, no log, no metrics, no timeouts. Detour's ratio to it
 * is the share of the runtime's limit Detour reaches (issue 16).
 *
 *   node --import tsx bench/floor-relay.ts --port 45999
 *
 * Prints `floor relay on <port>` once it listens. Bench code only, never part of Detour.
 */
import http from "node:http";
import { parseArgs } from "node:util";
import { Agent, request } from "undici";

const { values } = parseArgs({ options: { port: { type: "string", default: "0" } } });

type Target = { api_key?: string; custom_host?: string };
type Config = Target & { strategy?: { mode?: string }; targets?: Target[] };

// No cap on connections per origin, as Detour's upstream agent: with a cap, streams past it would
// wait for a connection (bench/stream-memory.ts holds 2,000 open at once).
const agent = new Agent({ keepAliveTimeout: 30_000, connections: null, pipelining: 1 });

function targetsOf(header: string | undefined): Target[] {
  const config = JSON.parse(header ?? "{}") as Config;
  return config.targets && config.strategy?.mode === "fallback" ? config.targets : [config.targets?.[0] ?? config];
}

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", async () => {
    const body = Buffer.concat(chunks);
    try {
      const targets = targetsOf(req.headers["x-portkey-config"] as string | undefined);
      for (let i = 0; i < targets.length; i++) {
        const t = targets[i]!;
        const upstream = await request(`${t.custom_host}${req.url?.replace(/^\/v1/, "")}`, {
          method: "POST",
          dispatcher: agent,
          headers: { "content-type": "application/json", authorization: `Bearer ${t.api_key}`, "content-length": String(body.length) },
          body,
        });
        const last = i === targets.length - 1;
        if (upstream.statusCode >= 300 && !last) {
          await upstream.body.dump();
          continue;
        }
        // Which target answered, as Detour and Portkey say it (the bench checks a fallback really fell back).
        res.writeHead(upstream.statusCode, {
          "content-type": String(upstream.headers["content-type"] ?? "application/json"),
          "x-portkey-last-used-option-index": `config.targets[${i}]`,
        });
        upstream.body.pipe(res);
        return;
      }
    } catch (err) {
      res.writeHead(502, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: String(err) } }));
    }
  });
});
server.keepAliveTimeout = 30_000;
server.listen(Number(values.port), "127.0.0.1", () => {
  const address = server.address();
  console.log(`floor relay on ${typeof address === "object" && address ? address.port : values.port}`);
});
