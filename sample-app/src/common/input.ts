// Validation of route parameters and bodies. Every check runs before a cache key is built or the
// database is asked, and every failure is a 400 that names the field and says what is expected.
import { BadRequestException } from '@nestjs/common';

const MAX_ID = 2_147_483_647;
const TOKEN = /^[A-Za-z0-9_-]{8,64}$/;

/** A database id in a route parameter: a positive 32-bit integer written in plain digits. */
export function idParam(raw: string, name = 'id'): number {
  if (!/^[1-9]\d{0,9}$/.test(raw) || Number(raw) > MAX_ID)
    throw new BadRequestException(
      `${name} must be a positive integer (1 to ${MAX_ID}), got ${quote(raw)}`,
    );
  return Number(raw);
}

/** An opaque id chosen by the client (order id, cart id): 8-64 letters, digits, '-' or '_'. */
export function tokenParam(raw: unknown, name: string): string {
  if (typeof raw !== 'string' || !TOKEN.test(raw))
    throw new BadRequestException(
      `${name} must be 8-64 letters, digits, '-' or '_', got ${quote(raw)}`,
    );
  return raw;
}

/** An optional integer query parameter within [min, max]. */
export function intQuery(
  raw: string | undefined,
  name: string,
  min: number,
  max: number,
  fallback: number,
): number {
  if (raw === undefined) return fallback;
  if (typeof raw !== 'string' || !/^\d{1,6}$/.test(raw) || +raw < min || +raw > max)
    throw new BadRequestException(
      `${name} must be an integer from ${min} to ${max}, got ${quote(raw)}`,
    );
  return Number(raw);
}

/** A JSON object body with exactly the allowed fields (unknown ones are refused, not ignored). */
export function objectBody<K extends string>(
  body: unknown,
  allowed: readonly K[],
): Partial<Record<K, unknown>> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new BadRequestException(
      `the body must be a JSON object with ${allowed.join(', ')} (send Content-Type: application/json)`,
    );
  const unknown = Object.keys(body).filter(
    (field) => !(allowed as readonly string[]).includes(field),
  );
  if (unknown.length > 0)
    throw new BadRequestException(
      `unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map(quote).join(', ')} (allowed: ${allowed.join(', ')})`,
    );
  return body as Partial<Record<K, unknown>>;
}

/** A required integer field within [min, max]. */
export function intField(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw new BadRequestException(
      `${name} must be an integer from ${min} to ${max}, got ${quote(value)}`,
    );
  return value;
}

function quote(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = typeof value === 'string' ? JSON.stringify(value) : String(JSON.stringify(value));
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
