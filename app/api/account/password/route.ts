import { handleChangePassword } from "@/lib/auth/change-password";

export const dynamic = "force-dynamic";
export const POST = handleChangePassword;
