/**
 * An answer's headers as a flat list, `[name, value, name, value, ...]` with lower-case names, for
 * the answers Detour builds on the request path (lib/gateway/request/respond.ts). A Web `Headers`
 * checks every name and value through web-IDL conversions, keeps them in a map that it sorts when
 * iterated, and each copy repeats all of it: an answer's upstream headers went through that four
 * times (passed through, copied, given to the Response, written), ~4% of the server's busy time at
 * c=32. Detour's server (scripts/server.ts) hands this list to `writeHead` as it is, and Node checks
 * each name and value there; anyone else asks the Response for `headers` and gets a Web `Headers`
 * made from it then (lib/http/deferred-body-response.ts). Dependency-free: the server loads it too.
 */
export class HeaderList {
  /** name, value, name, value...: names in lower case, in the order they were added. */
  readonly items: string[] = [];

  constructor(init?: Readonly<Record<string, string>>) {
    if (init) for (const name in init) this.items.push(name.toLowerCase(), init[name]!);
  }

  /** The value of `name` (several joined by ", ", as a Web Headers does), or null. */
  get(name: string): string | null {
    const key = name.toLowerCase();
    let found: string | null = null;
    for (let i = 0; i < this.items.length; i += 2) {
      if (this.items[i] === key) found = found === null ? this.items[i + 1]! : `${found}, ${this.items[i + 1]}`;
    }
    return found;
  }

  has(name: string): boolean {
    return this.#at(name.toLowerCase()) !== -1;
  }

  /** `name` with this one value: in the place of its first, any others removed. */
  set(name: string, value: string): void {
    const key = name.toLowerCase();
    const first = this.#at(key);
    if (first === -1) {
      this.items.push(key, value);
      return;
    }
    this.items[first + 1] = value;
    this.#remove(key, first + 2);
  }

  /** One more value of `name`. */
  append(name: string, value: string): void {
    this.items.push(name.toLowerCase(), value);
  }

  delete(name: string): void {
    this.#remove(name.toLowerCase(), 0);
  }

  /** The same headers as a Web `Headers` (which checks them). */
  toHeaders(): Headers {
    const headers = new Headers();
    for (let i = 0; i < this.items.length; i += 2) headers.append(this.items[i]!, this.items[i + 1]!);
    return headers;
  }

  /** A copy of a Web `Headers` (or of another list). */
  static from(headers: Headers | HeaderList): HeaderList {
    const list = new HeaderList();
    if (headers instanceof HeaderList) list.items.push(...headers.items);
    else for (const [name, value] of headers) list.items.push(name, value);
    return list;
  }

  /** The index of `key`'s first name, or -1 (a name sits at an even index). */
  #at(key: string): number {
    for (let i = 0; i < this.items.length; i += 2) if (this.items[i] === key) return i;
    return -1;
  }

  #remove(key: string, from: number): void {
    let to = from;
    for (let i = from; i < this.items.length; i += 2) {
      if (this.items[i] === key) continue;
      this.items[to] = this.items[i]!;
      this.items[to + 1] = this.items[i + 1]!;
      to += 2;
    }
    this.items.length = to;
  }
}
