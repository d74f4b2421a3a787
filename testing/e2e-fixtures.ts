import path from "node:path";

export const ADMIN_STATE = path.join(process.cwd(), ".e2e", `admin-state-${process.env.DETOUR_E2E_PORT ?? 3100}.json`);

/** Saves a full-page screenshot of what the test sees into the test output folder. */
export function screenshotPath(outputDir: string, name: string): string {
  return path.join(outputDir, `${name}.png`);
}
