/**
 * Outgoing mail (invitations) through the SMTP server of DETOUR_SMTP_URL (`smtp://user:pass@host:587`,
 * `smtps://...:465`; nodemailer's URL options such as `?tls.rejectUnauthorized=false` work), from
 * DETOUR_SMTP_FROM. One pooled transport per process and URL, reused by every mail: connections stay
 * open between mails instead of a handshake per invitation. Each send is bounded in time, so an SMTP
 * server that does not answer costs the request at most MAIL_TIMEOUT_MS; the caller decides what a
 * failure means (an invitation is still created, and its answer says the mail was not sent).
 */
import nodemailer, { type Transporter } from "nodemailer";
import { parseConnectionUrl } from "nodemailer/lib/shared";
import { getEnv } from "../env";
import { errorDetail, logger } from "../logger";

export const MAIL_TIMEOUT_MS = 15_000;

export type Mail = { to: string; subject: string; text: string; html: string };
export type MailResult = { sent: true } | { sent: false; error: string };

let pooled: { url: string; transport: Transporter } | null = null;

function transportFor(url: string): Transporter {
  if (pooled?.url === url) return pooled.transport;
  pooled?.transport.close();
  const transport = nodemailer.createTransport({
    pool: true,
    maxConnections: 2,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
    ...parseConnectionUrl(url),
  });
  pooled = { url, transport };
  return transport;
}

/** Whether mail can be sent at all (DETOUR_SMTP_URL is set). */
export function mailConfigured(): boolean {
  return Boolean(getEnv().DETOUR_SMTP_URL);
}

/**
 * Sends one mail; never throws. Without DETOUR_SMTP_URL nothing is sent (`null`). A failure is
 * logged and answered with a reason people can act on (the server's answer, or why it was not reached).
 */
export async function sendMail(mail: Mail): Promise<MailResult | null> {
  const env = getEnv();
  if (!env.DETOUR_SMTP_URL) return null;
  let timer: NodeJS.Timeout | undefined;
  try {
    const transport = transportFor(env.DETOUR_SMTP_URL);
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`the SMTP server did not accept the mail within ${MAIL_TIMEOUT_MS / 1000} s`)),
        MAIL_TIMEOUT_MS,
      );
    });
    await Promise.race([transport.sendMail({ from: env.DETOUR_SMTP_FROM, ...mail }), timeout]);
    return { sent: true };
  } catch (err) {
    const error = describeMailError(err);
    logger.warn({ err: errorDetail(err), to: mail.to }, "mail not sent");
    return { sent: false, error };
  } finally {
    clearTimeout(timer);
  }
}

/** A short reason for a failed send, without credentials (nodemailer's messages never carry the password). */
function describeMailError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const e = err as Error & { code?: string; response?: string };
  // nodemailer wraps socket errors (code ESOCKET/ECONNECTION) and keeps the system's message.
  const refused = /ECONNREFUSED\s*(\S+)?/.exec(e.message);
  if (refused)
    return `the SMTP server refused the connection${refused[1] ? ` (${refused[1]})` : ""}: is DETOUR_SMTP_URL right and the server up?`;
  if (e.code === "EDNS" || /ENOTFOUND|EAI_AGAIN/.test(e.message)) return `the SMTP server's host name does not resolve: ${e.message}`;
  if (e.code === "ETIMEDOUT") return `the SMTP server did not answer in time: ${e.message}`;
  if (e.code === "EAUTH") return `the SMTP server refused the credentials of DETOUR_SMTP_URL: ${e.response ?? e.message}`;
  if (e.response) return `the SMTP server answered: ${e.response}`;
  return e.message;
}
