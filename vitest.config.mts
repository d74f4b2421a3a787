import path from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Three projects: `unit` (pure code and things that start their own local servers), `storage`
// (a real database) and `gateway` (real HTTP against the production build). scripts/test-all.sh
// runs storage and gateway once per database (DETOUR_TEST_DB=sqlite|postgresql).
export default defineConfig({
  resolve: { alias: { "@": path.dirname(fileURLToPath(import.meta.url)) } },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["lib/**/*.test.ts", "components/**/*.test.ts", "testing/**/*.test.ts", "scripts/**/*.test.ts"],
          exclude: ["**/*.storage.test.ts", "node_modules/**"],
          environment: "node",
        },
      },
      {
        extends: true,
        test: {
          name: "storage",
          include: ["tests/storage/**/*.storage.test.ts", "lib/**/*.storage.test.ts"],
          environment: "node",
          fileParallelism: false,
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          // Real HTTP against the production build (`npm run build` first) and the mock upstream.
          name: "gateway",
          // tests/multi: several instances on PostgreSQL + Redis (cross-instance cache invalidation).
          include: ["tests/gateway/**/*.test.ts", "tests/api/**/*.test.ts", "tests/multi/**/*.test.ts"],
          environment: "node",
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
