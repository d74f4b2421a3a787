import { withManagement } from "@/lib/api/handler";
import { listUsersHandler } from "@/lib/api/users";

export const dynamic = "force-dynamic";
export const GET = withManagement("viewer", listUsersHandler);
