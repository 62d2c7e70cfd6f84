// Salt Edge's error classes into the common taxonomy (every documented class, the app-key
// classes, unknown ones, request id from the header or the body, Retry-After).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJsonExact, type HttpResponse } from '../../../../main/providers/http';
import { saltEdgeError } from '../../../../main/providers/saltedge/errors';
import { parseRef } from '../../../../main/providers/saltedge/index';

const NOW = new Date('2026-06-15T10:00:00Z');

function res(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  const text = JSON.stringify(body);
  return { status, headers: new Headers(headers), body: parseJsonExact(text), text };
}

test('every documented class maps to its code, keeping message, class and request id', () => {
  const table: [string, string][] = [
    ['InvalidCredentials', 'login_required'],
    ['ConnectionDisabled', 'consent_expired'],
    ['AispConsentExpired', 'consent_expired'],
    ['AispConsentRevoked', 'consent_expired'],
    ['ConnectionNotFound', 'consent_expired'],
    ['ConnectionCannotBeRefreshed', 'rate_limited'],
    ['BackgroundFetchLimitExceeded', 'rate_limited'],
    ['RateLimitExceeded', 'rate_limited'],
    ['ProviderUnavailable', 'institution_down'],
    ['ProviderError', 'institution_down'],
    ['InteractiveTimeout', 'user_action_required'],
    ['InvalidSignature', 'other'],
    ['ExpiredSignature', 'other'],
    ['ClientNotFound', 'other'],
    ['BrandNewClass', 'other'],
  ];
  for (const [cls, code] of table) {
    const e = saltEdgeError(res(406, { error: { class: cls, message: `msg ${cls}` } }, { 'X-Request-Id': `rid-${cls}` }), NOW);
    assert.equal(e.code, code, cls);
    assert.equal(e.providerCode, cls);
    assert.equal(e.requestId, `rid-${cls}`);
    if (code !== 'other' || cls === 'BrandNewClass') assert.equal(e.description, `msg ${cls}`);
  }
});

test('request id from the body when no header; Retry-After gives retryAt; unknown 5xx is institution_down', () => {
  const e = saltEdgeError(res(429, { error: { class: 'RateLimitExceeded', message: 'slow down', request_id: 'body-rid' } }, { 'Retry-After': '90' }), NOW);
  assert.equal(e.requestId, 'body-rid');
  assert.equal(e.retryAt, '2026-06-15T10:01:30.000Z');
  assert.equal(saltEdgeError(res(503, { error: { class: 'Whatever', message: 'x' } }), NOW).code, 'institution_down');
  assert.equal(saltEdgeError(res(500, { oops: true }), NOW).code, 'institution_down');
});

test('providerRef is customerId:connectionId', () => {
  assert.deepEqual(parseRef('111:222'), { customerId: '111', connectionId: '222' });
  assert.throws(() => parseRef('111:'), /not valid/);
});
