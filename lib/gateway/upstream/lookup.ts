/**
 * The upstream HTTP client's own DNS lookup, with the private-address rule (docs/GATEWAY.md §7) applied
 * to the addresses it is about to connect to. The custom-host check at request time resolves the
 * name once (and caches it); a name can resolve to another address when the client connects (DNS
 * rebinding, a short TTL). Checking here, in the lookup the socket uses, means the address actually
 * connected to is the one checked. Hosts the operator listed in DETOUR_ALLOWED_PRIVATE_HOSTS are
 * allowed by name, as at request time. IP-literal hosts never reach a lookup (the socket connects
 * to them directly): the request-time check classifies them, and a literal cannot change.
 *
 * A refused lookup fails the connection with `AddressNotAllowedError` (code
 * `EDETOUR_ADDRESS_NOT_ALLOWED`), which `attempt.ts` turns into a gateway error naming the host.
 */
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { isIP, type LookupFunction } from "node:net";
import { isAllowedPrivateHost, NON_PUBLIC_HINT } from "./custom-host";
import { nonPublicKind } from "./ip-ranges";

export const ADDRESS_NOT_ALLOWED = "EDETOUR_ADDRESS_NOT_ALLOWED";

export class AddressNotAllowedError extends Error {
  readonly code = ADDRESS_NOT_ALLOWED;

  constructor(
    readonly host: string,
    readonly address: string,
    readonly kind: string,
  ) {
    super(
      `host ${JSON.stringify(host)} resolved to ${address}, ${/^[aeiou]/i.test(kind) ? "an" : "a"} ${kind} address, when Detour connected; ${NON_PUBLIC_HINT}`,
    );
    this.name = "AddressNotAllowedError";
  }
}

/** All addresses of `hostname` (dns.lookup with `all: true`, or a test's resolver). */
export type ResolveAll = (
  hostname: string,
  options: { family?: number; hints?: number },
  callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

const systemResolve: ResolveAll = (hostname, options, callback) => {
  const family = options.family === 4 || options.family === 6 ? options.family : 0;
  dnsLookup(hostname, { family, hints: options.hints, all: true }, callback);
};

export type GuardedLookupOptions = {
  /** DETOUR_ALLOWED_PRIVATE_HOSTS: names that may resolve to any address. */
  allowedHosts: readonly string[];
  resolve?: ResolveAll;
};

/** A `lookup` for net/tls `connect` (and so undici's `connect` option) that refuses non-public addresses. */
export function createGuardedLookup(options: GuardedLookupOptions): LookupFunction {
  const resolve = options.resolve ?? systemResolve;
  return (hostname, lookupOptions, callback) => {
    resolve(hostname, { family: lookupOptions.family as number | undefined, hints: lookupOptions.hints }, (err, addresses) => {
      if (err) return callback(err, "", 0);
      if (!isAllowedPrivateHost(hostname, options.allowedHosts)) {
        for (const { address } of addresses) {
          const kind = nonPublicKind(address) ?? (isIP(address) ? undefined : "unrecognised");
          if (kind) return callback(new AddressNotAllowedError(hostname, address, kind), "", 0);
        }
      }
      if (lookupOptions.all) return callback(null, addresses);
      const first = addresses[0];
      if (!first) return callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND", hostname }), "", 0);
      callback(null, first.address, first.family);
    });
  };
}

/** The AddressNotAllowedError behind a failed request (undici may wrap it), or undefined. */
export function findAddressNotAllowed(err: unknown): AddressNotAllowedError | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current; depth++) {
    if (current instanceof AddressNotAllowedError) return current;
    if ((current as { code?: unknown }).code === ADDRESS_NOT_ALLOWED) return current as AddressNotAllowedError;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
