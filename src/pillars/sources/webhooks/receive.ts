// What both webhook receivers share: the capped raw body, strict UTF-8, JSON parsing with a
// precise error, and redaction before the payload is stored.
import type { FastifyRequest } from 'fastify';
import { bodyStream } from '../../../core/http/index.js';
import { CiError } from '../../../core/errors.js';
import type { Redactor } from '../../../core/redact/index.js';
import { findJsonSyntaxError, jsonDepth, MAX_JSON_DEPTH } from '../../../core/contract/json-syntax.js';

/** GitHub caps webhook payloads at 25 MB ("Webhook events and payloads"); GitLab's default is 25 MB too. */
export const MAX_WEBHOOK_BYTES = 25 * 1024 * 1024;

/**
 * At most this many webhook bodies are read at once, and this many more wait for a turn: a
 * webhook route answers anyone (the signature is checked after the body), so memory stays bounded
 * (16 × 25 MB) however many requests arrive. Beyond the queue: 503 with Retry-After.
 */
export const MAX_BODIES_READ = 16;
export const MAX_BODIES_WAITING = 64;
let reading = 0;
const waiting: Array<() => void> = [];

async function turn(): Promise<() => void> {
  if (reading >= MAX_BODIES_READ) {
    if (waiting.length >= MAX_BODIES_WAITING) {
      throw new CiError('E_RATE_LIMITED', 'too many webhook deliveries are being received at once', {
        hint: 'retry in a second (the provider redelivers)',
        details: { retry_after_s: 1 },
      });
    }
    await new Promise<void>((r) => waiting.push(r));
  } else reading++;
  let done = false;
  return () => {
    if (done) return;
    done = true;
    const next = waiting.shift();
    if (next) next();
    else reading--;
  };
}

/**
 * Reads the whole raw body (the signature covers the exact bytes), refusing more than `cap`
 * bytes, and any Content-Encoding: GitHub and GitLab send none, and inflating an unauthenticated
 * body is how a 25 KB request becomes 25 MB of memory. `digest`, when given, sees every chunk as
 * it arrives (the HMAC is computed while the body streams in).
 */
export async function rawBody(req: FastifyRequest, opts: { cap?: number; digest?: (chunk: Buffer) => void } = {}): Promise<Buffer> {
  const enc = String(req.headers['content-encoding'] ?? '')
    .trim()
    .toLowerCase();
  if (enc !== '' && enc !== 'identity') {
    req.raw.resume();
    throw new CiError('E_UNSUPPORTED_ENCODING', `a webhook delivery must not be compressed (Content-Encoding ${enc})`, {
      where: 'Content-Encoding header',
      hint: 'GitHub and GitLab send webhooks uncompressed; a proxy in between must not compress requests',
    });
  }
  const release = await turn();
  try {
    const chunks: Buffer[] = [];
    for await (const c of bodyStream(req, opts.cap ?? MAX_WEBHOOK_BYTES)) {
      opts.digest?.(c as Buffer);
      chunks.push(c as Buffer);
    }
    return Buffer.concat(chunks);
  } finally {
    release();
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes the body as strict UTF-8. Strictness matters for the signature: with a fatal decoder
 * the string re-encodes to exactly the bytes received, so an HMAC computed over the string's UTF-8
 * form is an HMAC over the raw bytes. Null when the bytes are not UTF-8.
 */
export function strictUtf8(buf: Buffer): string | null {
  try {
    return utf8.decode(buf);
  } catch {
    return null;
  }
}

export type Parsed = { ok: true; value: unknown } | { ok: false; reason: string };

/** JSON.parse with a message that says where the text stops being JSON. */
export function parseJson(text: string): Parsed {
  const depth = jsonDepth(text);
  if (depth > MAX_JSON_DEPTH) return { ok: false, reason: `nested ${depth} levels deep (at most ${MAX_JSON_DEPTH})` };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    // JSON.parse's message may echo the input (a secret); locate the error ourselves.
    const err = findJsonSyntaxError(text) ?? { offset: 0, reason: 'invalid JSON' };
    const before = text.slice(0, err.offset);
    const line = before.split('\n').length;
    const column = err.offset - before.lastIndexOf('\n');
    return { ok: false, reason: `line ${line} column ${column}: ${err.reason}` };
  }
}

/**
 * Redacts every string of the payload (DESIGN.md: redaction runs before anything is stored).
 * Returns the bytes to store: the body as sent when nothing changed, else the redacted JSON.
 */
export function redactPayload(redactor: Redactor, value: unknown, raw: Buffer): { body: Buffer; value: unknown } {
  const r = redactor.redactValue(value);
  return r.changed ? { body: Buffer.from(JSON.stringify(r.value)), value: r.value } : { body: raw, value };
}

export function header(req: FastifyRequest, name: string): string | null {
  const v = req.headers[name];
  const s = Array.isArray(v) ? v[0] : v;
  return typeof s === 'string' && s.trim() !== '' ? s.trim() : null;
}

export function malformed(reason: string, where: string): CiError {
  return new CiError('E_JSON_MALFORMED', `the webhook payload is not valid JSON: ${reason}`, {
    where,
    hint: 'the delivery is recorded as malformed; check the sender sends application/json',
  });
}
