import type { Metadata, Viewport } from "next";
import { connection } from "next/server";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Detour", template: "%s · Detour" },
  description: "Self-hosted AI gateway: fallbacks, virtual keys and request logs",
};

/** The browser's own chrome (a phone's address bar) in the page's colour, light or dark as the system is (app/globals.css). */
export const viewport: Viewport = {
  colorScheme: "light dark",
  themeColor: [
    { media: "(prefers-color-scheme: light)", color: "#f7f7f8" },
    { media: "(prefers-color-scheme: dark)", color: "#0e1117" },
  ],
};

export default async function RootLayout({ children }: { children: React.ReactNode }) {
  // Every page renders per request, so Next.js can put the request's CSP nonce (proxy.ts) on its
  // scripts; a page prerendered at build time would carry inline scripts without it, and be blocked.
  await connection();
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
