import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJsonExact, type HttpResponse } from '../../../../main/providers/http';
import { pontoError } from '../../../../main/providers/ponto/index';

const NOW = new Date('2026-06-15T10:00:00Z');

function res(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  const text = JSON.stringify(body);
  return { status, headers: new Headers({ 'ibanity-request-id': 'req-42', ...headers }), body: parseJsonExact(text), text };
}

const api = (code: string, detail = 'd', meta: Record<string, unknown> = {}) => ({ errors: [{ code, detail, meta }] });

test('Ponto errors map into the common taxonomy with code, description and request id', () => {
  const cases: [HttpResponse, string, string][] = [
    [res(403, api('authorizationExpired', 'The authorization has expired.')), 'consent_expired', 'authorizationExpired'],
    [res(401, api('invalidAccessToken')), 'login_required', 'invalidAccessToken'],
    [res(400, { error: 'invalid_grant', error_description: 'refresh token used' }), 'login_required', 'invalid_grant'],
    [res(401, { error: 'invalid_client', error_description: 'bad secret' }), 'other', 'invalid_client'],
    [res(429, api('tooManyRequests')), 'rate_limited', 'tooManyRequests'],
    [res(400, api('accountRecentlySynchronized')), 'rate_limited', 'accountRecentlySynchronized'],
    [res(500, api('internalServerError')), 'institution_down', 'internalServerError'],
    [res(503, {}), 'institution_down', 'HTTP_503'],
    [res(404, api('resourceNotFound')), 'other', 'resourceNotFound'],
    [res(401, {}), 'login_required', 'HTTP_401'],
  ];
  for (const [r, code, providerCode] of cases) {
    const e = pontoError(r, NOW, 'test');
    assert.equal(e.code, code, providerCode);
    assert.equal(e.providerCode, providerCode);
    assert.equal(e.requestId, 'req-42');
    assert.ok(e.description.length > 0);
  }
  assert.match(pontoError(res(403, api('authorizationExpired', 'The authorization has expired.')), NOW, 't').description, /The authorization has expired\./);
});

test('retryAt comes from Retry-After (seconds or date) or from the error meta', () => {
  assert.equal(pontoError(res(429, api('tooManyRequests'), { 'retry-after': '120' }), NOW, 't').retryAt, '2026-06-15T10:02:00.000Z');
  assert.equal(pontoError(res(429, api('tooManyRequests'), { 'retry-after': 'Mon, 15 Jun 2026 11:00:00 GMT' }), NOW, 't').retryAt, '2026-06-15T11:00:00.000Z');
  assert.equal(pontoError(res(400, api('accountRecentlySynchronized', 'd', { retryAt: '2026-06-15T10:30:00Z' })), NOW, 't').retryAt, '2026-06-15T10:30:00.000Z');
  assert.equal(pontoError(res(429, api('tooManyRequests')), NOW, 't').retryAt, undefined);
});
