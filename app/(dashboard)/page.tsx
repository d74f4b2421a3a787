import type { Metadata } from "next";
import { headers } from "next/headers";
import { requireSession } from "@/lib/auth/session";
import { getDb } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { getWorkspaceOverview } from "@/lib/store/overview";
import { GettingStarted } from "./_components/getting-started";

export const metadata: Metadata = { title: "Overview" };

export default async function OverviewPage() {
  const user = await requireSession("/");
  const overview = await getWorkspaceOverview(getDb(), user.workspaceId);
  const env = getEnv();
  const h = await headers();
  const origin = `${h.get("x-forwarded-proto") ?? "http"}://${h.get("x-forwarded-host") ?? h.get("host") ?? "localhost"}`;
  const stats = [
    { label: "Requests (24 h)", value: overview.requests24h },
    { label: "Rescued by fallback (24 h)", value: overview.fallbacks24h },
    { label: "Virtual keys", value: overview.virtualKeys },
    { label: "Configs", value: overview.configs },
    { label: "API keys", value: overview.apiKeys },
  ];
  return (
    <>
      <h1>Overview</h1>
      <GettingStarted
        workspaceId={user.workspaceId}
        facts={{ virtualKeys: overview.virtualKeys, configs: overview.configs, anyRequest: overview.anyRequest }}
      />
      <section className="cards" aria-label="Workspace summary">
        {stats.map((s) => (
          <div className="card" key={s.label}>
            <div className="label">{s.label}</div>
            <div className="value">{s.value.toLocaleString("en-US")}</div>
          </div>
        ))}
      </section>
      <section className="panel" aria-labelledby="connect-heading">
        <h2 id="connect-heading">Point your app at Detour</h2>
        <p className="muted">Keep your OpenAI code; change only the base URL and send your Detour API key.</p>
        <pre>{`base URL:  ${origin}/v1
headers:   x-portkey-api-key: <Detour API key>
           x-portkey-config:  <config id, pc-...>`}</pre>
        <p className="muted">Storage: {env.database.kind === "sqlite" ? "SQLite (embedded)" : "PostgreSQL"}.</p>
      </section>
    </>
  );
}
