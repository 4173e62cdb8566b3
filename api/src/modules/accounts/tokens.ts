import { createHash, randomBytes } from 'node:crypto';

const TOKEN_PREFIX = 'xn_';

/** A fresh API token: 256 random bits, shown once, stored only as its hash. */
export function generateToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Accepts "Bearer <token>" or a bare token; returns null for anything else. */
export function tokenFromAuthorization(header: string | null | undefined): string | null {
  if (!header) return null;
  const match = /^\s*(?:Bearer\s+)?(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}
