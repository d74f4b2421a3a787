/**
 * Driving the config builder's JSON editor (a CodeMirror contenteditable, not a textarea) from
 * Playwright: it is found by its label like any field; `fill` replaces its text; its text is read
 * line by line (CodeMirror renders one element per line).
 */
import type { Locator, Page } from "@playwright/test";

export function configJson(page: Page): Locator {
  return page.getByLabel("Config JSON");
}

/** The editor's whole text. */
export async function configJsonText(page: Page): Promise<string> {
  const lines = await configJson(page).locator(".cm-line").allTextContents();
  return lines.join("\n");
}

/** The editor's text, parsed. */
export async function configJsonValue(page: Page): Promise<unknown> {
  return JSON.parse(await configJsonText(page));
}

/**
 * Replaces the editor's text the way a user pastes it: select all, then a paste of `text`.
 * (Playwright's `fill` types into a contenteditable through the editor's input handling, which
 * closes brackets and indents new lines as a person typing would see; a paste is taken as it is.)
 */
export async function fillConfigJson(page: Page, text: string): Promise<void> {
  const editor = configJson(page);
  await editor.click();
  await editor.press("ControlOrMeta+a");
  await editor.evaluate((el, pasted) => {
    const data = new DataTransfer();
    data.setData("text/plain", pasted);
    el.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
  }, text);
}
