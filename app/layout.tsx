import type { Metadata } from "next";
import { connection } from "next/server";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Detour", template: "%s · Detour" },
  description: "Self-hosted AI gateway: fallbacks, virtual keys and request logs",
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
