import type { KeyProviders } from "@/lib/dashboard/config-summary";
import type { IssueIndex, Path } from "./draft";

export type VirtualKeyOption = { slug: string; name: string; provider: string };

/** What every part of the form needs: how to change the draft, the live issues, the key picker's options. */
export type BuilderContext = {
  update: (path: Path, value: unknown) => void;
  issues: IssueIndex;
  virtualKeys: VirtualKeyOption[];
  /** The same keys, slug -> provider: the targets' provider badges. */
  keyProviders: KeyProviders;
};

/** A stable DOM id for a control at `path` (for focus after a move, and labels). */
export function controlId(path: Path, what: string): string {
  return `cfg-${path.join("-") || "root"}-${what}`;
}

export function numberOrUndefined(text: string): number | undefined {
  if (text.trim() === "") return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}
