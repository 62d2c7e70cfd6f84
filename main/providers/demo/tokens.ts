// OAuth tokens of the Demo Bank's OAuth institution (demo-oauth), shaped like Ponto's: a
// 30-minute access token read on every call, and a refresh token that the bank replaces on
// every use (rotation), the old one dying at once. The bank keeps only sha256 hashes of the
// tokens currently valid; the tokens themselves live in the app's vault, never in the bank's file.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { TokenRecord } from './state';

/** Names of the connection's secrets (ConnectionContext.getSecret / setSecret). */
export const ACCESS_TOKEN_SECRET = 'access_token';
export const REFRESH_TOKEN_SECRET = 'refresh_token';
/** How long an access token is valid. */
export const ACCESS_TOKEN_TTL_MS = 30 * 60_000;

export interface IssuedTokens {
  accessToken: string;
  refreshToken: string;
  /** What the bank keeps of them. */
  record: TokenRecord;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Compares two hex hashes in constant time (they are the same length when both are sha256). */
function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

export function issueTokens(now: Date): IssuedTokens {
  const accessToken = `demo-at-${randomBytes(24).toString('base64url')}`;
  const refreshToken = `demo-rt-${randomBytes(32).toString('base64url')}`;
  return {
    accessToken,
    refreshToken,
    record: {
      accessHash: hashToken(accessToken),
      accessExpiresAt: new Date(now.getTime() + ACCESS_TOKEN_TTL_MS).toISOString(),
      refreshHash: hashToken(refreshToken),
      issuedAt: now.toISOString(),
    },
  };
}

/** True when `token` is the consent's current access token and has not expired at `now`. */
export function accessTokenValid(tokens: TokenRecord | undefined, token: string | undefined, now: Date): boolean {
  if (!tokens || token === undefined || token === '') return false;
  return sameHash(tokens.accessHash, hashToken(token)) && now.getTime() < Date.parse(tokens.accessExpiresAt);
}

/** True when `token` is the consent's current refresh token (any earlier one was invalidated by rotation). */
export function refreshTokenValid(tokens: TokenRecord | undefined, token: string | undefined): boolean {
  if (!tokens || token === undefined || token === '') return false;
  return sameHash(tokens.refreshHash, hashToken(token));
}
