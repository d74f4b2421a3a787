import { randomBytes } from "node:crypto";

/** Lower-case letters and digits of a name, at most `max` of them ("OpenAI to Azure" -> "openaitoaz"). */
export function nameLetters(name: string, max: number): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "")
      .slice(0, max) || "x"
  );
}

/** A config id: `pc-<first letters of the name>-<6 hex>`. */
export function newConfigSlug(name: string): string {
  return `pc-${nameLetters(name, 6)}-${randomBytes(3).toString("hex")}`;
}

/** A virtual key slug: `<first letters of the name>-<6 hex>`. */
export function newVirtualKeySlug(name: string): string {
  return `${nameLetters(name, 12)}-${randomBytes(3).toString("hex")}`;
}
