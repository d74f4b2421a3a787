import type { Metadata } from "next";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Detour", template: "%s · Detour" },
  description: "Self-hosted AI gateway: fallbacks, virtual keys and request logs",
};

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
