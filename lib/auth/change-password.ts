/**
 * POST /api/account/password (session only, same-origin JSON): `{current_password, new_password,
 * confirm_password}`. The current password is checked through the sign-in throttle (wrong guesses
 * count against the account like failed sign-ins); the new one must be PASSWORD_MIN_LENGTH to
 * PASSWORD_MAX_LENGTH characters and differ from the current one. On success the user's session
 * version is bumped, so every other session is refused from its next request, and this session
 * gets a new cookie (new session id, the new version) and stays signed in. The change is recorded
 * in the audit trail of every workspace the user belongs to (`user.password_change`; no before or
 * after: there is nothing to show of a password).
 */
import { cookies } from "next/headers";
import { z } from "zod";
import { writeAuditEvent } from "../audit/record";
import { checkCookieWrite } from "../api/csrf";
import { errorResponse } from "../api/errors";
import { readJson } from "../api/handler";
import { hashPassword, verifyPassword } from "../crypto";
import { getDb } from "../db";
import { DetourError } from "../errors";
import { getEnv } from "../env";
import { errorDetail, logger } from "../logger";
import { changePasswordHash, getUserCredentials } from "../store/users";
import { clientAddress } from "./client-address";
import { getSessionUser } from "./session";
import { readSessionToken, sessionSetCookie } from "./session-cookie";
import { newSessionClaims, readSessionClaims } from "./session-state";
import { getSignInThrottle } from "./sign-in-throttle";

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;
const MAX_BODY_BYTES = 16 * 1024;

export const changePasswordSchema = z
  .object({
    current_password: z.string().min(1, "Enter your current password.").max(1024),
    new_password: z
      .string()
      .min(PASSWORD_MIN_LENGTH, `The new password must be at least ${PASSWORD_MIN_LENGTH} characters.`)
      .max(PASSWORD_MAX_LENGTH, `The new password must be at most ${PASSWORD_MAX_LENGTH} characters.`),
    confirm_password: z.string(),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.confirm_password !== v.new_password)
      ctx.addIssue({ code: "custom", path: ["confirm_password"], message: "The two new passwords differ." });
    if (v.new_password === v.current_password)
      ctx.addIssue({ code: "custom", path: ["new_password"], message: "The new password is the current one." });
  });

export async function handleChangePassword(request: Request): Promise<Response> {
  try {
    // The management API's rules for a cookie-authenticated write: same origin, a JSON body.
    checkCookieWrite(request, getEnv().NEXTAUTH_URL);
    const user = await getSessionUser();
    if (!user) throw new DetourError("unauthorized", "Sign in to change your password.");
    const jar = (await cookies()).getAll();
    const current = await readSessionToken(jar);
    const claims = readSessionClaims(current?.token);
    if (!current || !claims) throw new DetourError("unauthorized", "Sign in to change your password.");

    const body = changePasswordSchema.parse(await readJson(request, MAX_BODY_BYTES));

    const db = getDb();
    const address = clientAddress(request.headers, getEnv().DETOUR_TRUST_PROXY);
    const result = await getSignInThrottle().attempt({ email: user.email, address }, async () => {
      const creds = await getUserCredentials(db, user.id);
      return creds && (await verifyPassword(body.current_password, creds.passwordHash)) ? creds : null;
    });
    if (result.outcome === "locked") {
      // 429 with `retry-after` (the catalog's headers); never cached.
      const locked = new DetourError("sign_in_locked", result.message, {
        param: "current_password",
        retryAfterSeconds: Math.ceil(result.retryAfterMs / 1000),
      });
      const response = errorResponse(locked, () => undefined);
      response.headers.set("cache-control", "no-store");
      return response;
    }
    if (result.outcome === "failure")
      throw new DetourError("wrong_password", "The current password is wrong.", { param: "current_password" });

    const version = await changePasswordHash(db, user.id, claims.sv, await hashPassword(body.new_password));
    if (version === null) throw new DetourError("conflict", "Your password was changed elsewhere meanwhile; sign in again.");
    // This session carries on under the new version (with a new id); every other one is refused.
    const fresh = newSessionClaims(user.id, version, claims.authTime);
    const setCookie = await sessionSetCookie(current.name, { ...current.token, ...fresh });
    logger.info({ user_id: user.id, address }, "password changed; other sessions ended");
    const userAgent = request.headers.get("user-agent");
    const workspaceIds = new Set([user.workspaceId, ...user.workspaces.map((w) => w.workspaceId)]);
    for (const workspaceId of workspaceIds) {
      await writeAuditEvent(db, {
        workspaceId,
        actorType: "user",
        actorId: user.id,
        actorLabel: user.email,
        action: "user.password_change",
        targetType: "user",
        targetId: user.id,
        targetLabel: user.email,
        address,
        userAgent,
      });
    }
    return new Response(JSON.stringify({ ok: true, other_sessions_ended: true }), {
      status: 200,
      headers: { "content-type": "application/json", "cache-control": "no-store", "set-cookie": setCookie },
    });
  } catch (err) {
    return errorResponse(err, (e) => logger.error({ err: errorDetail(e) }, "password change failed"));
  }
}
