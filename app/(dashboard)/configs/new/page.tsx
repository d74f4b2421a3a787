import type { Metadata } from "next";
import Link from "next/link";
import { ToastRegion } from "@/components/ui/toast";
import { requireSession } from "@/lib/auth/session";
import { ConfigBuilder } from "../_components/config-builder";
import { virtualKeyOptions } from "../_components/server-data";
import { Can, RoleNote } from "../../_components/role";

export const metadata: Metadata = { title: "New config · Configs" };

/** Where a new config starts: a fallback over two targets, the common case. */
const STARTER = { strategy: { mode: "fallback" }, targets: [{}, {}] };

export default async function NewConfigPage() {
  const user = await requireSession("/configs/new");
  const virtualKeys = await virtualKeyOptions(user.workspaceId);
  return (
    <>
      <nav className="breadcrumb" aria-label="Breadcrumb">
        <Link href="/configs">Configs</Link>
        <span aria-hidden="true">/</span>
        <span aria-current="page">New config</span>
      </nav>
      <header className="page-header">
        <div>
          <h1>New config</h1>
          <p className="page-sub">
            Build it in the form or type JSON on the right: both stay in step, and the gateway&apos;s own schema checks it as you go.
          </p>
        </div>
      </header>
      <RoleNote need="member" />
      <Can need="member" disable>
        <ConfigBuilder initialName="" initialConfig={STARTER} virtualKeys={virtualKeys} />
      </Can>
      <ToastRegion />
    </>
  );
}
