import path from "node:path";
import type { Locator, Page } from "@playwright/test";

export const ADMIN_STATE = path.join(process.cwd(), ".e2e", `admin-state-${process.env.DETOUR_E2E_PORT ?? 3100}.json`);

/** Saves a full-page screenshot of what the test sees into the test output folder. */
export function screenshotPath(outputDir: string, name: string): string {
  return path.join(outputDir, `${name}.png`);
}

/** The errors the page logs (hydration mismatches, failed loads, uncaught exceptions), to be asserted empty. */
export function consoleErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (msg) => {
    // The app has no favicon yet (not a page's concern).
    if (msg.type() === "error" && !msg.location().url.endsWith("/favicon.ico")) errors.push(`${msg.text()} ${msg.location().url}`);
  });
  page.on("pageerror", (err) => errors.push(err.message));
  return errors;
}

/** The two screens every dashboard flow is tested on: a laptop and a phone. */
export const VIEWPORTS = [
  { width: 1440, height: 900 },
  { width: 390, height: 844 },
] as const;

/**
 * The main navigation, ready to click: below 900 px wide it folds behind the Menu button, which is
 * opened first.
 */
export async function mainNav(page: Page): Promise<Locator> {
  const menu = page.getByRole("button", { name: "Menu" });
  if (await menu.isVisible()) {
    if ((await menu.getAttribute("aria-expanded")) !== "true") await menu.click();
  }
  return page.getByRole("navigation", { name: "Main" });
}
