import { bootstrap, StartupError } from "./bootstrap";
import { EncryptionKeyError } from "./crypto";
import { describeDatabase, getDb } from "./db";
import { MigrationError } from "./db/migrate";
import { EnvError, getEnv } from "./env";
import { logger } from "./logger";
import { startMetricsServer } from "./metrics-server";
import { getEncryptionKeyInfo } from "./secrets";

function fail(message: string): never {
  // Plain stderr as well as the JSON log: this is the line a person starting Detour must read.
  process.stderr.write(`\nDetour cannot start: ${message}\n\n`);
  logger.fatal({ reason: message }, "startup failed");
  process.exit(1);
}

export async function startServerProcess(): Promise<void> {
  try {
    const env = getEnv();
    const keyInfo = getEncryptionKeyInfo();
    if (keyInfo.generated) {
      logger.warn(
        { file: keyInfo.file },
        "No DETOUR_ENCRYPTION_KEY set: generated one and stored it in the data directory (mode 0600). " +
          "Back it up with the database; set DETOUR_ENCRYPTION_KEY to share it between instances.",
      );
    }
    const origin = keyInfo.source === "env" ? "DETOUR_ENCRYPTION_KEY" : `key file ${keyInfo.file}`;
    const result = await bootstrap(env, { key: keyInfo.key, origin }, getDb());
    if (result.adminCreated?.generatedPassword) {
      const banner = [
        "",
        "==================================================================",
        " Detour created the first admin. This password is shown only once:",
        `   email:    ${result.adminCreated.email}`,
        `   password: ${result.adminCreated.generatedPassword}`,
        " (set DETOUR_ADMIN_EMAIL / DETOUR_ADMIN_PASSWORD before the first start to choose them)",
        "==================================================================",
        "",
      ];
      process.stdout.write(`${banner.join("\n")}\n`);
    } else if (result.adminCreated) {
      logger.info({ email: result.adminCreated.email }, "created the first admin from DETOUR_ADMIN_EMAIL / DETOUR_ADMIN_PASSWORD");
    }
    await startMetricsServer(env).catch((err: Error) => fail(err.message));
    logger.info({ database: describeDatabase(env.database) }, "Detour is ready");
  } catch (err) {
    if (err instanceof EnvError || err instanceof EncryptionKeyError || err instanceof StartupError || err instanceof MigrationError) {
      fail(err.message);
    }
    fail(`unexpected error during start-up: ${(err as Error).message}`);
  }
}
