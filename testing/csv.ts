/** A strict RFC 4180 reader for tests of CSV downloads (the log export): any deviation throws. */

/** RFC 4180: fields, quoted fields with doubled quotes and line breaks, CRLF record ends. */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let field = "";
  let record: string[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"' && field === "") {
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q === -1) throw new Error("unterminated quoted field");
        field += text.slice(i, q);
        if (text[q + 1] === '"') {
          field += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
    } else if (c === ",") {
      record.push(field);
      field = "";
      i++;
    } else if (c === "\r" && text[i + 1] === "\n") {
      record.push(field);
      records.push(record);
      record = [];
      field = "";
      i += 2;
    } else {
      if (c === "\n" || c === "\r" || c === '"') throw new Error(`bare ${JSON.stringify(c)} outside quotes at ${i}`);
      field += c;
      i++;
    }
  }
  if (field !== "" || record.length > 0) throw new Error("last record without CRLF");
  return records;
}
