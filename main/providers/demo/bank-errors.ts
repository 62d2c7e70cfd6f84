// Errors the Demo Bank raises, shaped like a real provider's: a code from the common
// taxonomy, the bank's own code, a user-readable description and a request id to quote.

import { randomBytes } from 'node:crypto';
import type { ProviderErrorCode } from '../errors';
import { ProviderError } from '../errors';

function demoRequestId(): string {
  return `demo-req-${randomBytes(6).toString('hex')}`;
}

export function demoError(
  code: ProviderErrorCode,
  providerCode: string,
  description: string,
  extra: { retryAt?: string; cause?: unknown } = {},
): ProviderError {
  return new ProviderError(code, `Demo Bank: ${description}`, { description, providerCode, requestId: demoRequestId(), ...extra });
}
