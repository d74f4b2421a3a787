import { handleListModels } from "@/lib/gateway/endpoints/handlers";

export const dynamic = "force-dynamic";
export const GET = handleListModels;
