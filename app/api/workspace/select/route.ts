import { handleSelectWorkspace } from "@/lib/api/workspace-select";

export const dynamic = "force-dynamic";
export const POST = handleSelectWorkspace;
