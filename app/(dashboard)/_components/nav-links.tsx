"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";

// Pages join this list as they are built.
const LINKS = [
  { href: "/", label: "Overview" },
  { href: "/configs", label: "Configs" },
  { href: "/logs", label: "Logs" },
  { href: "/virtual-keys", label: "Virtual keys" },
  { href: "/api-keys", label: "API keys" },
  { href: "/budgets", label: "Budgets" },
  { href: "/analytics", label: "Analytics" },
  { href: "/prices", label: "Prices" },
];

export function NavLinks() {
  const pathname = usePathname();
  return (
    <nav aria-label="Main">
      {LINKS.map((link) => {
        const active = link.href === "/" ? pathname === "/" : pathname.startsWith(link.href);
        return (
          <Link key={link.href} href={link.href} aria-current={active ? "page" : undefined}>
            {link.label}
          </Link>
        );
      })}
    </nav>
  );
}
