import Link from "next/link";

export type FilterTab = { href: string; label: string; count?: number; current: boolean };

/** A row of filter links (the URL holds the filter); the current one has aria-current. */
export function FilterTabs({ label, tabs }: { label: string; tabs: FilterTab[] }) {
  return (
    <nav className="ui-tabs" aria-label={label}>
      {tabs.map((tab) => (
        <Link key={tab.href} href={tab.href} aria-current={tab.current ? "page" : undefined} scroll={false}>
          {tab.label}
          {tab.count !== undefined ? <span className="ui-tabs-count">{tab.count.toLocaleString("en-US")}</span> : null}
        </Link>
      ))}
    </nav>
  );
}
