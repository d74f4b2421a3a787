import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  reactStrictMode: true,
  // Several builds can live side by side (parallel work, benchmarks): DETOUR_NEXT_DIST_DIR picks one.
  distDir: process.env.DETOUR_NEXT_DIST_DIR || ".next",
  poweredByHeader: false,
  // The build checks the app's own code; `npm run typecheck` (part of `npm test`) checks everything.
  typescript: { tsconfigPath: "tsconfig.build.json" },
  // Native and driver packages stay outside the bundle and load from node_modules at run time.
  serverExternalPackages: ["better-sqlite3", "pg", "pino", "ioredis", "prom-client", "@prisma/adapter-better-sqlite3", "@prisma/adapter-pg"],
};

export default nextConfig;
