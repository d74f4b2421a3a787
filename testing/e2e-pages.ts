import { readdirSync } from "node:fs";
import path from "node:path";

/** Every page under app/(dashboard)/, as URL templates (`/logs/[id]`), read from the folder itself. */
export function dashboardPages(): string[] {
  const root = path.join(process.cwd(), "app", "(dashboard)");
  const found: string[] = [];
  const walk = (dir: string, url: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isFile() && entry.name === "page.tsx") found.push(url || "/");
      if (entry.isDirectory() && !entry.name.startsWith("_")) walk(path.join(dir, entry.name), `${url}/${entry.name}`);
    }
  };
  walk(root, "");
  return found.sort();
}

/** A page template as a file name: `/` is "overview", `/logs/[id]` "logs-id". */
export function pageName(template: string): string {
  return template === "/"
    ? "overview"
    : template
        .slice(1)
        .replace(/[/[\]]+/g, "-")
        .replace(/-$/, "");
}
