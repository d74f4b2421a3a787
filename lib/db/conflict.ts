/** Prisma's "unique constraint failed" error code. */
export function isUniqueViolation(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { code?: unknown }).code === "P2002";
}

/**
 * Runs an idempotent upsert-like step again when a concurrent process inserted the same row first
 * (Prisma's upsert is read-then-write, so two processes can both try to create).
 */
export async function retryOnUniqueViolation<T>(step: () => Promise<T>, attempts = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await step();
    } catch (err) {
      if (!isUniqueViolation(err) || i >= attempts) throw err;
    }
  }
}
