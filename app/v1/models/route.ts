import { handleListModels } from "@/lib/gateway/routes";

export const dynamic = "force-dynamic";
export const GET = handleListModels;
