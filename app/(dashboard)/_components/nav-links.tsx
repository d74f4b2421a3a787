"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import type { Role } from "@/lib/auth/roles";
import { useCan } from "./role";

// Pages join this list as they are built. `role`: shown only to that role and above (the page refuses the others too).
const LINKS: { href: string; label: string; role?: Role }[] = [
  { href: "/", label: "Overview" },
  { href: "/configs", label: "Configs" },
  { href: "/logs", label: "Logs" },
  { href: "/virtual-keys", label: "Virtual keys" },
  { href: "/api-keys", label: "API keys" },
  { href: "/budgets", label: "Budgets" },
  { href: "/analytics", label: "Analytics" },
  { href: "/prices", label: "Prices" },
  { href: "/members", label: "Members" },
  { href: "/audit", label: "Audit", role: "admin" },
  { href: "/workspace", label: "Workspace" },
];

export function NavLinks() {
  const pathname = usePathname();
  const isAdmin = useCan("admin");
  return (
    <nav aria-label="Main">
      {LINKS.filter((link) => !link.role || (link.role === "admin" && isAdmin)).map((link) => {
        const active = link.href === "/" ? pathname === "/" : pathname === link.href || pathname.startsWith(`${link.href}/`);
        return (
          <Link key={link.href} href={link.href} aria-current={active ? "page" : undefined}>
            {link.label}
          </Link>
        );
      })}
    </nav>
  );
}
