/**
 * A real SMTP server for tests (smtp-server) that accepts every mail and keeps it, parsed
 * (mailparser): the invitation tests read the link out of the mail Detour sent. Plain SMTP on
 * 127.0.0.1 (no STARTTLS, any or no credentials); `port` 0 takes any free port.
 */
import type { AddressInfo } from "node:net";
import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

export type SinkMail = { from: string; to: string[]; subject: string; text: string; html: string; envelopeTo: string[] };

export type SmtpSink = {
  url: string;
  port: number;
  mails: SinkMail[];
  /** Resolves once `count` mails arrived; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs?: number): Promise<SinkMail[]>;
  close(): Promise<void>;
};

export async function startSmtpSink(port = 0): Promise<SmtpSink> {
  const mails: SinkMail[] = [];
  let waiters: (() => void)[] = [];
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ["STARTTLS"],
    authOptional: true,
    logger: false,
    onAuth: (_auth, _session, callback) => callback(null, { user: "test" }),
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          const addresses = (v: typeof parsed.to) =>
            v ? (Array.isArray(v) ? v : [v]).flatMap((a) => a.value.map((x) => x.address ?? "")) : [];
          mails.push({
            from: parsed.from?.text ?? "",
            to: addresses(parsed.to),
            subject: parsed.subject ?? "",
            text: parsed.text ?? "",
            html: typeof parsed.html === "string" ? parsed.html : "",
            envelopeTo: session.envelope.rcptTo.map((r) => r.address),
          });
          for (const w of waiters) w();
          callback();
        })
        .catch((err: Error) => callback(err));
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const actual = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${actual}`,
    port: actual,
    mails,
    waitFor: (count, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (mails.length < count) return false;
          clearTimeout(timer);
          waiters = waiters.filter((w) => w !== check);
          resolve(mails.slice(0, count));
          return true;
        };
        const timer = setTimeout(() => {
          waiters = waiters.filter((w) => w !== check);
          reject(new Error(`${mails.length} of ${count} mails arrived within ${timeoutMs} ms`));
        }, timeoutMs);
        if (!check()) waiters.push(check);
      }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
