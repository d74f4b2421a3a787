/**
 * The request-log spill directory (`<dataDir>/log-spill/`): append-only NDJSON files, one record a
 * line, written while the database is failing and replayed once it answers again.
 *
 * A file's life: `<base>.ndjson.open` while its process appends to it (fsync'd after every append,
 * sealed when idle, at rotation and at shutdown) -> `<base>.ndjson` (sealed, claimable by any
 * process) -> `<base>.ndjson.claimed-<owner>` (renamed atomically by the one process replaying it)
 * -> deleted once every line is committed, or renamed back to `.ndjson` when the replay stops.
 * `<base>` starts with the creation time, so names sort oldest first, and carries host, pid and a
 * random run id, so processes sharing a data directory never write to the same file. Files of a
 * process that died (same host and its pid gone, or untouched for `staleMs`) are claimable too.
 */
import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, readdir, rename, stat, unlink, utimes, type FileHandle } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import type { LogRecord } from "./types";

export type SpillFilesOptions = {
  dir: string;
  /** Rotate the open file once it holds this many bytes. */
  fileMaxBytes?: number;
  /** A foreign `.open` or claimed file untouched this long belongs to a dead process. */
  staleMs?: number;
  /** fsync after every append (default true). */
  sync?: boolean;
  now?: () => number;
  /** Whether a pid on this host is alive (a fake in tests). */
  isAlive?: (pid: number) => boolean;
  owner?: { host: string; pid: number; run: string };
};

export type Claimed = { base: string; path: string; bytes: number };

type Owner = { host: string; pid: number; run: string };
type Parsed = { base: string; state: "open" | "sealed" | "claimed"; owner: Owner | null };

const NAME = /^(spill-\d{13}-\d{6}-([0-9a-f]{8})-(\d+)-([0-9a-f]{8}))\.ndjson(?:\.(open)|\.claimed-([0-9a-f]{8})-(\d+)-([0-9a-f]{8}))?$/;
const APPEND_CHUNK = 100;

export const hostTag = (host = os.hostname()) => createHash("sha256").update(host).digest("hex").slice(0, 8);

export function parseSpillName(name: string): Parsed | null {
  const m = NAME.exec(name);
  if (!m) return null;
  if (m[5] === "open") return { base: m[1]!, state: "open", owner: { host: m[2]!, pid: Number(m[3]), run: m[4]! } };
  if (m[6]) return { base: m[1]!, state: "claimed", owner: { host: m[6], pid: Number(m[7]), run: m[8]! } };
  return { base: m[1]!, state: "sealed", owner: null };
}

function defaultIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

const ignoreMissing = (err: unknown) => {
  if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
};

/** Revives the Dates JSON turned into strings; null when the line is not a log record. */
export function parseSpillLine(line: string): LogRecord | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  const r = value as LogRecord;
  if (!r || typeof r !== "object" || typeof r.id !== "string" || typeof r.workspaceId !== "string" || !Array.isArray(r.attempts))
    return null;
  return {
    ...r,
    createdAt: new Date(r.createdAt),
    attempts: r.attempts.map((a) => ({ ...a, startedAt: new Date(a.startedAt) })),
    // Lines spilled by an older version have no `affinity`.
    affinity: Array.isArray(r.affinity) ? r.affinity.map((a) => ({ ...a, createdAt: new Date(a.createdAt) })) : [],
  };
}

export class SpillFiles {
  readonly dir: string;
  private readonly fileMaxBytes: number;
  private readonly staleMs: number;
  private readonly sync: boolean;
  private readonly now: () => number;
  private readonly isAlive: (pid: number) => boolean;
  private readonly owner: Owner;
  private readonly ownerTag: string;
  private seq = 0;
  private current: { base: string; fh: FileHandle; bytes: number } | null = null;

  constructor(options: SpillFilesOptions) {
    this.dir = options.dir;
    this.fileMaxBytes = options.fileMaxBytes ?? 64 * 1024 * 1024;
    this.staleMs = options.staleMs ?? 60_000;
    this.sync = options.sync ?? true;
    this.now = options.now ?? Date.now;
    this.isAlive = options.isAlive ?? defaultIsAlive;
    this.owner = options.owner ?? { host: hostTag(), pid: process.pid, run: randomBytes(4).toString("hex") };
    this.ownerTag = `${this.owner.host}-${this.owner.pid}-${this.owner.run}`;
  }

  /** The base name of the file being appended to, if any. */
  get openBase(): string | null {
    return this.current?.base ?? null;
  }

  /** Appends records as NDJSON lines, durably (fsync) before resolving; returns the bytes added. Not re-entrant: callers serialize. */
  async append(records: readonly LogRecord[]): Promise<{ base: string; bytes: number }> {
    const file = this.current ?? (await this.openNew());
    let bytes = 0;
    try {
      for (let i = 0; i < records.length; i += APPEND_CHUNK) {
        if (i > 0) await new Promise((resolve) => setImmediate(resolve)); // let requests run between chunks
        const data = Buffer.from(
          records
            .slice(i, i + APPEND_CHUNK)
            .map((r) => `${JSON.stringify(r)}\n`)
            .join(""),
        );
        await file.fh.write(data);
        bytes += data.length;
        file.bytes += data.length;
      }
      if (this.sync) await file.fh.datasync();
    } catch (err) {
      // A part of the last line may have landed: never append after it (the torn line stays last).
      await this.seal().catch(() => undefined);
      throw err;
    }
    const base = file.base;
    if (file.bytes >= this.fileMaxBytes) await this.seal();
    return { base, bytes };
  }

  /** Closes the open file and makes it claimable. */
  async seal(): Promise<void> {
    const file = this.current;
    if (!file) return;
    this.current = null;
    await file.fh.close().catch(() => undefined);
    await rename(this.pathOf(`${file.base}.ndjson.open`), this.pathOf(`${file.base}.ndjson`));
  }

  private async openNew(): Promise<{ base: string; fh: FileHandle; bytes: number }> {
    await mkdir(this.dir, { recursive: true });
    this.seq = (this.seq + 1) % 1_000_000;
    const base = `spill-${String(this.now()).padStart(13, "0")}-${String(this.seq).padStart(6, "0")}-${this.ownerTag}`;
    const fh = await open(this.pathOf(`${base}.ndjson.open`), "ax", 0o600);
    this.current = { base, fh, bytes: 0 };
    return this.current;
  }

  /** Every spill file in the directory (any state), by base name, with its size. */
  async list(): Promise<Map<string, { name: string; state: Parsed["state"]; owner: Owner | null; bytes: number; mtimeMs: number }>> {
    const out = new Map<string, { name: string; state: Parsed["state"]; owner: Owner | null; bytes: number; mtimeMs: number }>();
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      ignoreMissing(err);
      return out;
    }
    for (const name of names.sort()) {
      const parsed = parseSpillName(name);
      if (!parsed) continue;
      const st = await stat(this.pathOf(name)).catch(() => null);
      if (st) out.set(parsed.base, { name, state: parsed.state, owner: parsed.owner, bytes: st.size, mtimeMs: st.mtimeMs });
    }
    return out;
  }

  /** Claims the oldest claimable file by renaming it to this process's claim name; null when none is left. */
  async claimNext(): Promise<Claimed | null> {
    for (const [base, f] of await this.list()) {
      if (!this.claimable(f)) continue;
      const target = `${base}.ndjson.claimed-${this.ownerTag}`;
      try {
        await rename(this.pathOf(f.name), this.pathOf(target));
      } catch (err) {
        ignoreMissing(err); // another process claimed it first
        continue;
      }
      return { base, path: this.pathOf(target), bytes: f.bytes };
    }
    return null;
  }

  private claimable(f: { state: Parsed["state"]; owner: Owner | null; mtimeMs: number }): boolean {
    if (f.state === "sealed" || !f.owner) return true;
    const o = f.owner;
    if (o.host === this.owner.host && o.pid === this.owner.pid && o.run === this.owner.run) return false; // ours, in use
    if (this.now() - f.mtimeMs > this.staleMs) return true;
    return o.host === this.owner.host && (o.pid === this.owner.pid || !this.isAlive(o.pid));
  }

  /** Batches of the claimed file's records, in file order; unparsable lines go to `onTorn`. */
  async *read(claimed: Claimed, batchSize: number, onTorn: () => void): AsyncGenerator<LogRecord[]> {
    const input = createReadStream(claimed.path, { encoding: "utf8" });
    const lines = createInterface({ input, crlfDelay: Infinity });
    let batch: LogRecord[] = [];
    try {
      for await (const line of lines) {
        if (line.trim() === "") continue;
        const record = parseSpillLine(line);
        if (!record) {
          onTorn();
          continue;
        }
        batch.push(record);
        if (batch.length >= batchSize) {
          yield batch;
          batch = [];
        }
      }
      if (batch.length > 0) yield batch;
    } finally {
      lines.close();
      input.destroy();
    }
  }

  /** Shows a replay is alive (a claim untouched for `staleMs` may be taken over). */
  async touch(claimed: Claimed): Promise<void> {
    const t = new Date(this.now());
    await utimes(claimed.path, t, t).catch(ignoreMissing);
  }

  /** Every line is committed: the file goes. */
  async finish(claimed: Claimed): Promise<void> {
    await unlink(claimed.path).catch(ignoreMissing);
  }

  /** The replay stopped early: the file is claimable again (from its start; re-inserts are no-ops). */
  async release(claimed: Claimed): Promise<void> {
    await rename(claimed.path, this.pathOf(`${claimed.base}.ndjson`)).catch(ignoreMissing);
  }

  /** Counts the record lines of a file (newline-terminated), streaming. */
  async countLines(name: string): Promise<number> {
    let count = 0;
    try {
      for await (const chunk of createReadStream(this.pathOf(name))) {
        for (let i = (chunk as Buffer).indexOf(10); i !== -1; i = (chunk as Buffer).indexOf(10, i + 1)) count += 1;
      }
    } catch (err) {
      ignoreMissing(err);
    }
    return count;
  }

  private pathOf(name: string): string {
    return path.join(this.dir, name);
  }
}
