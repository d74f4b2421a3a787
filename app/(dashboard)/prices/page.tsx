import type { Metadata } from "next";
import { ToastRegion } from "@/components/ui/toast";
import { requireSession } from "@/lib/auth/session";
import { getDb } from "@/lib/db";
import { PRICE_FILE } from "@/lib/logs/cost";
import { priceList } from "@/lib/pricing/price-list";
import { listPriceOverrides } from "@/lib/store/price-overrides";
import { RoleNote } from "../_components/role";
import { PriceTable } from "./_components/price-table";

export const metadata: Metadata = { title: "Prices" };

/** The prices this workspace's requests are billed at: the price file's tables and the workspace's own overrides. */
export default async function PricesPage() {
  const user = await requireSession("/prices");
  const rows = priceList(await listPriceOverrides(getDb(), user.workspaceId));
  return (
    <>
      <header className="page-header">
        <div>
          <h1>Prices</h1>
          <p className="page-sub">
            What each request’s cost in the logs is computed from, USD per 1M tokens: the dated price tables Detour ships (updated{" "}
            {PRICE_FILE.updated}, each from its provider’s own pages) and this workspace’s overrides, which win over them from the next
            request on. A model no table lists and no override prices has an unknown cost, never $0.
          </p>
        </div>
      </header>
      <RoleNote need="admin" what="prices" />
      <PriceTable rows={rows} />
      <ToastRegion />
    </>
  );
}
