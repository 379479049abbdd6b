// What both webhook receivers share: the capped raw body, strict UTF-8, JSON parsing with a
// precise error, and redaction before the payload is stored.
import type { FastifyRequest } from 'fastify';
import { bodyStream } from '../../../core/http/index.js';
import { CiError } from '../../../core/errors.js';
import type { Redactor } from '../../../core/redact/index.js';
import { findJsonSyntaxError } from '../../../core/contract/json-syntax.js';

/** GitHub caps webhook payloads at 25 MB ("Webhook events and payloads"); GitLab's default is 25 MB too. */
export const MAX_WEBHOOK_BYTES = 25 * 1024 * 1024;

/** Reads the whole raw body (the HMAC covers the exact bytes), refusing more than `cap` bytes. */
export async function rawBody(req: FastifyRequest, cap = MAX_WEBHOOK_BYTES): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of bodyStream(req, cap)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
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
