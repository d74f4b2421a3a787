/**
 * zod 4 compiles object parsers with `new Function` where it can, and finds out whether it can by
 * calling `Function("")` once. Under the dashboard's CSP (no 'unsafe-eval': lib/http/security-headers.ts)
 * that probe is blocked and reported as a violation. In the browser, zod parses without compiling
 * (the forms check a handful of fields; the compiled path buys nothing there). The server keeps
 * the compiled parsers. Import this first in every client module that parses with zod.
 */
import { z } from "zod";

if (typeof window !== "undefined") z.config({ jitless: true });
