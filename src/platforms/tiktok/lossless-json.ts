/**
 * JSON parsing that keeps int64 ids: TikTok's Research API sends ids such as
 * `7386111312293610270` as bare JSON numbers, which `JSON.parse` silently rounds. Integer literals
 * outside the safe range are turned into strings (of their exact digits) before parsing; all other
 * values parse as usual.
 */

/** Parse JSON text, returning integers beyond ±2^53 as strings of their exact digits. */
export function parseJsonLossless(text: string): unknown {
  let out = '';
  let last = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const ch = text.charCodeAt(i);
    if (ch === 0x22 /* " */) {
      i += 1;
      while (i < n && text.charCodeAt(i) !== 0x22) i += text.charCodeAt(i) === 0x5c /* \ */ ? 2 : 1;
      i += 1;
      continue;
    }
    if (ch === 0x2d /* - */ || (ch >= 0x30 && ch <= 0x39)) {
      const match = /^-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i, i + 400));
      const literal = match?.[0] ?? text[i] ?? '';
      const isInteger = match !== null && match[1] === undefined && match[2] === undefined;
      if (isInteger && !Number.isSafeInteger(Number(literal))) {
        out += `${text.slice(last, i)}"${literal}"`;
        last = i + literal.length;
      }
      i += literal.length;
      continue;
    }
    i += 1;
  }
  return JSON.parse(out + text.slice(last)) as unknown;
}
