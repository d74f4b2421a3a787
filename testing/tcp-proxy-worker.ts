/**
 * The thread of a ThreadedTcpProxy (testing/multi-instance-harness.ts): a TcpProxy to
 * `workerData.target`, driven by messages, each answered with the proxy's port once done.
 */
import { parentPort, workerData } from "node:worker_threads";
import { TcpProxy } from "./tcp-proxy";

type Op = { id: number; op: "start" | "cut" | "blackhole" | "restore" | "close"; port?: number };

const port = parentPort;
if (!port) throw new Error("testing/tcp-proxy-worker.ts runs as a worker thread only");
const proxy = new TcpProxy((workerData as { target: { host: string; port: number } }).target);
port.on("message", (m: Op) => {
  const run = async () => {
    if (m.op === "start") await proxy.start(m.port ?? 0);
    else if (m.op === "cut") await proxy.cut();
    else if (m.op === "blackhole") proxy.blackhole();
    else if (m.op === "restore") await proxy.restore();
    else await proxy.close();
  };
  run().then(
    () => port.postMessage({ id: m.id, ok: true, port: proxy.port }),
    (err: unknown) => port.postMessage({ id: m.id, ok: false, port: proxy.port, error: String(err) }),
  );
});
