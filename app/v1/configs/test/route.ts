import { withManagement } from "@/lib/api/handler";
import { testConfigHandler } from "@/lib/api/config-test";

export const dynamic = "force-dynamic";
export const POST = withManagement("member", testConfigHandler);
