import type { NextConfig } from "next";
import { API_SECURITY_HEADERS, BASE_SECURITY_HEADERS, type HeaderList } from "./lib/http/security-headers";

const asNext = (list: HeaderList) => list.map(([key, value]) => ({ key, value }));

const nextConfig: NextConfig = {
  reactStrictMode: true,
  // Several builds can live side by side (parallel work, benchmarks): DETOUR_NEXT_DIST_DIR picks one.
  distDir: process.env.DETOUR_NEXT_DIST_DIR || ".next",
  poweredByHeader: false,
  // The build checks the app's own code; `npm run typecheck` (part of `npm test`) checks everything.
  typescript: { tsconfigPath: "tsconfig.build.json" },
  // Native and driver packages stay outside the bundle and load from node_modules at run time.
  serverExternalPackages: [
    "better-sqlite3",
    "pg",
    "pino",
    "ioredis",
    "prom-client",
    "@prisma/adapter-better-sqlite3",
    "@prisma/adapter-pg",
    // OpenTelemetry's SDK parts, loaded only when tracing is on (lib/tracing/otel.ts).
    "@opentelemetry/sdk-trace-base",
    "@opentelemetry/resources",
    "@opentelemetry/core",
    "@opentelemetry/semantic-conventions",
    "@opentelemetry/otlp-exporter-base",
    "@opentelemetry/otlp-transformer",
  ],
  // Security headers (lib/http/security-headers.ts): the base set on every answer, the API's CSP on
  // the API paths (pages get theirs, with a nonce, from proxy.ts). In production the inference
  // routes are answered before Next.js: scripts/server.ts sets the same API headers there.
  async headers() {
    const api = asNext(API_SECURITY_HEADERS);
    return [
      { source: "/:path*", headers: asNext(BASE_SECURITY_HEADERS) },
      { source: "/v1", headers: api },
      { source: "/v1/:path*", headers: api },
      { source: "/api/:path*", headers: api },
      { source: "/metrics", headers: api },
    ];
  },
};

export default nextConfig;
