/**
 * Refuses to run the end-to-end suite against anything but a local database: the suite creates
 * and deletes data freely.
 */
export default function globalSetup(): void {
  const url = process.env.DATABASE_URL?.trim();
  if (url && !url.startsWith("file:")) {
    const host = new URL(url).hostname;
    if (!["127.0.0.1", "localhost", "::1", "[::1]"].includes(host)) {
      throw new Error(`Refusing to run e2e tests against a non-local database (${host}).`);
    }
  }
}
