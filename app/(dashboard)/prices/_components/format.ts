/** How the Prices page writes a price and a token count. */

/** USD per 1M tokens: at least cents, up to 6 decimals ("$2.50", "$0.125", "$0.005"); "—" when not set. */
export function formatPrice(usd: number | null): string {
  if (usd === null) return "—";
  return `$${usd.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 6 })}`;
}

/** "16,384"; "—" when not known. */
export function formatTokens(tokens: number | null): string {
  return tokens === null ? "—" : tokens.toLocaleString("en-US");
}

/** "200K" for a tier's threshold. */
export function formatThreshold(tokens: number): string {
  return tokens % 1000 === 0 ? `${tokens / 1000}K` : tokens.toLocaleString("en-US");
}
