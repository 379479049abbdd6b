// Locates the first JSON syntax error in a text. JSON.parse's messages differ between V8
// versions, often carry no position and echo the input (which may hold a secret or be 16 MiB
// long), so on the (rare) failure path we scan the text ourselves to name the column.

export interface JsonSyntaxError {
  /** 0-based UTF-16 offset of the offending character (text.length at end of input). */
  offset: number;
  reason: string;
}

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

export function findJsonSyntaxError(text: string): JsonSyntaxError | null {
  let i = 0;
  const n = text.length;
  const fail = (reason: string, at = i): never => {
    // Not an error: the scanner's way out of nested calls with the place it stopped; caught below.
    // eslint-disable-next-line @typescript-eslint/only-throw-error
    throw { offset: at, reason } satisfies JsonSyntaxError;
  };
  const ws = () => {
    while (i < n && WS.has(text.charCodeAt(i))) i++;
  };
  const describe = () => (i >= n ? 'unexpected end of input' : `unexpected character ${JSON.stringify(text[i])}`);

  const str = () => {
    i++; // opening quote
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return;
      }
      if (c < 0x20) fail('control character inside a string (escape it)');
      if (c === 0x5c) {
        const e = text[i + 1];
        if (e === undefined) fail('unterminated string', n);
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail('bad \\u escape');
          i += 6;
          continue;
        }
        if (!'"\\/bfnrt'.includes(e)) fail(`bad escape \\${e}`, i + 1);
        i += 2;
        continue;
      }
      i++;
    }
    fail('unterminated string', n);
  };

  const num = () => {
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m || m[0] === '-' || m[0] === '') fail(describe());
    i += m![0].length;
  };

  const lit = (word: string) => {
    if (text.startsWith(word, i)) i += word.length;
    else fail(describe());
  };

  const value = (depth: number): void => {
    if (depth > 5_000) fail('nesting deeper than 5000 levels');
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail(i >= n ? describe() : 'expected a property name in double quotes');
        str();
        ws();
        if (text[i] !== ':') fail("expected ':' after a property name");
        i++;
        value(depth + 1);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return;
        }
        fail(i >= n ? describe() : "expected ',' or '}' after a property value");
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value(depth + 1);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return;
        }
        fail(i >= n ? describe() : "expected ',' or ']' after an array element");
      }
    }
    if (c === '"') return str();
    if (c === 't') return lit('true');
    if (c === 'f') return lit('false');
    if (c === 'n') return lit('null');
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return num();
    fail(describe());
  };

  try {
    value(0);
    ws();
    if (i < n) fail('unexpected text after the JSON value');
    return null;
  } catch (e) {
    if (e && typeof e === 'object' && 'offset' in e) return e as JsonSyntaxError;
    throw e;
  }
}

/** 1-based column of an offset within a single line. */
export function columnOf(offset: number): number {
  return offset + 1;
}

/** JSON nested deeper than this is refused before parsing (parsing and walking it would overflow the stack). */
export const MAX_JSON_DEPTH = 512;

/** The deepest nesting of arrays and objects in a JSON text (brackets inside strings not counted). */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92)
        i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > max) max = depth;
    } else if (c === 125 || c === 93) depth--;
  }
  return max;
}
