/**
 * The invitation mail: who invited whom to which workspace with which role, the one-time link and
 * when it expires, as plain text and HTML (every value escaped: the inviter's name and the
 * workspace's name are chosen by people).
 */
import { ROLE_SUMMARY, type Role } from "../auth/roles";
import type { Mail } from "./transport";

export type InviteMailInput = { to: string; workspaceName: string; role: Role; invitedBy: string; url: string; expiresAt: Date };

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** `Thu, 12 Dec 2026 14:00 UTC`: one unambiguous form for every reader. */
function utc(date: Date): string {
  return `${date.toUTCString().replace(/:\d\d GMT$/, "")} UTC`;
}

export function inviteMail(input: InviteMailInput): Mail {
  const article = /^[aeiou]/.test(input.role) ? "an" : "a";
  const subject = `${input.invitedBy} invited you to ${input.workspaceName} on Detour`;
  const text = [
    `${input.invitedBy} invited you to join the workspace "${input.workspaceName}" on Detour as ${article} ${input.role}`,
    `(${ROLE_SUMMARY[input.role]}).`,
    "",
    "Accept the invitation:",
    input.url,
    "",
    `The link works once and expires on ${utc(input.expiresAt)}.`,
    "If you did not expect this invitation, ignore this mail.",
  ].join("\n");
  const html = `<!doctype html>
<html><body style="font-family: system-ui, sans-serif; color: #101828; line-height: 1.5">
<p>${escapeHtml(input.invitedBy)} invited you to join the workspace <strong>${escapeHtml(input.workspaceName)}</strong> on Detour as ${article} <strong>${escapeHtml(input.role)}</strong> (${escapeHtml(ROLE_SUMMARY[input.role])}).</p>
<p><a href="${escapeHtml(input.url)}" style="display: inline-block; padding: 8px 14px; background: #2d55e0; color: #fff; border-radius: 6px; text-decoration: none">Accept the invitation</a></p>
<p style="color: #475467; font-size: 13px">Or open this link: <a href="${escapeHtml(input.url)}">${escapeHtml(input.url)}</a><br>
It works once and expires on ${escapeHtml(utc(input.expiresAt))}. If you did not expect this invitation, ignore this mail.</p>
</body></html>`;
  return { to: input.to, subject, text, html };
}
