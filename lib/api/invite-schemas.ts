/**
 * Bodies of the invitation routes (`/v1/invites`) and of accepting one (`/api/invites/accept`).
 * An invitation expires after 1 to 720 hours (30 days), 72 by default.
 */
import { z } from "zod";
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from "../auth/change-password";
import { enumOf, intInRange, strictObject } from "../gateway/config/messages";
import { renameAliases } from "./input";
import { roleSchema } from "./user-schemas";

export const INVITE_HOURS_MAX = 720;
export const INVITE_HOURS_DEFAULT = 72;

export const emailSchema = z
  .string({ error: "must be an email address" })
  .trim()
  .max(320, { error: "must be at most 320 characters" })
  .pipe(z.email({ error: "must be an email address (name@example.com)" }))
  .transform((e) => e.toLowerCase());

/** POST /v1/invites. */
export const createInviteSchema = z.preprocess(
  renameAliases({ expiresInHours: "expires_in_hours" }),
  strictObject(
    {
      email: emailSchema,
      role: roleSchema,
      expires_in_hours: intInRange(1, INVITE_HOURS_MAX, " hours (30 days at most)").default(INVITE_HOURS_DEFAULT),
    },
    "a JSON object {email, role, expires_in_hours?}",
  ),
);

/** GET /v1/invites. */
export const listInvitesQuerySchema = z.object({ status: enumOf(["pending", "all"] as const).default("pending") });

/** The 43 base64url characters of 32 random bytes. */
export const inviteTokenSchema = z.string({ error: "must be the invitation's token" }).regex(/^[A-Za-z0-9_-]{43}$/, {
  error: "is not an invitation token; open the link from the invitation as it was sent",
});

/** POST /api/invites/accept: a new account gives its name and password; a signed-in user gives neither. */
export const acceptInviteSchema = strictObject(
  {
    token: inviteTokenSchema,
    name: z
      .string({ error: "must be your name" })
      .trim()
      .min(1, { error: "Enter your name." })
      .max(100, { error: "must be at most 100 characters" })
      .optional(),
    password: z
      .string({ error: "must be a password" })
      .min(PASSWORD_MIN_LENGTH, { error: `The password must be at least ${PASSWORD_MIN_LENGTH} characters.` })
      .max(PASSWORD_MAX_LENGTH, { error: `The password must be at most ${PASSWORD_MAX_LENGTH} characters.` })
      .optional(),
  },
  "a JSON object {token, name?, password?}",
);
