import { handleEmbeddings } from "@/lib/gateway/routes";

export const dynamic = "force-dynamic";
export const POST = handleEmbeddings;
