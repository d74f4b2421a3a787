import NextAuth from "next-auth";
import { AUTH_MAX_BODY_BYTES } from "@/lib/api/body-limits";
import { withBodyLimit } from "@/lib/api/read-body";
import { authOptions } from "@/lib/auth/options";

const handler = NextAuth(authOptions);
export const GET = handler;
// Sign-in, sign-out and next-auth's other forms: at most 64 KiB, counted before next-auth reads it.
export const POST = withBodyLimit(AUTH_MAX_BODY_BYTES, handler);
