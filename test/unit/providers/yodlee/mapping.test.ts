// Yodlee's transaction and error mapping, field by field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProviderError } from '../../../../main/providers/errors';
import { parseJsonExact } from '../../../../main/providers/http';
import { apiError, datasetError } from '../../../../main/providers/yodlee/errors';
import { parseRef, toTransaction } from '../../../../main/providers/yodlee/index';

const tx = (json: string) => toTransaction(parseJsonExact(json));

test('amounts stay exact decimal text; DEBIT is money out, CREDIT money in', () => {
  const d = tx('{"id": 123, "amount": {"amount": 12.30, "currency": "USD"}, "baseType": "DEBIT", "date": "2026-06-01", "status": "POSTED", "description": {"original": "SHELL OIL 123", "simple": "Shell"}, "merchant": {"name": "Shell"}}');
  assert.deepEqual({ id: d.id, amount: d.amount, date: d.date, currency: d.currency, paymentRef: d.paymentRef, partnerName: d.partnerName },
    { id: '123', amount: '-12.30', date: '2026-06-01', currency: 'USD', paymentRef: 'SHELL OIL 123', partnerName: 'Shell' });
  assert.equal(tx('{"id": 1, "amount": {"amount": 0.1, "currency": "USD"}, "baseType": "CREDIT", "date": "2026-06-01"}').amount, '0.1');
  assert.equal(tx('{"id": 1, "amount": {"amount": 0, "currency": "USD"}, "baseType": "DEBIT", "date": "2026-06-01"}').amount, '0');
  assert.equal(tx('{"id": 1, "amount": {"amount": 99999999999999.99, "currency": "USD"}, "baseType": "CREDIT", "date": "2026-06-01"}').amount, '99999999999999.99');
});

test('a transaction Yodlee did not describe fully is refused as invalid_response', () => {
  const bad = (json: string) => assert.throws(() => tx(json), (e: unknown) => e instanceof ProviderError && e.code === 'invalid_response');
  bad('{"amount": {"amount": 1, "currency": "USD"}, "baseType": "DEBIT", "date": "2026-06-01"}');
  bad('{"id": 1, "amount": {"amount": -1, "currency": "USD"}, "baseType": "DEBIT", "date": "2026-06-01"}');
  bad('{"id": 1, "amount": {"amount": 1e3, "currency": "USD"}, "baseType": "DEBIT", "date": "2026-06-01"}');
  bad('{"id": 1, "amount": {"amount": 1, "currency": "USD"}, "baseType": "OTHER", "date": "2026-06-01"}');
  bad('{"id": 1, "amount": {"amount": 1, "currency": "USD"}, "baseType": "DEBIT"}');
  bad('{"id": 1, "amount": {"amount": 1}, "baseType": "DEBIT", "date": "2026-06-01"}');
});

test('API errors keep message, code and referenceCode; 429 reads Retry-After', () => {
  const now = new Date('2026-06-15T10:00:00Z');
  const e = apiError(500, parseJsonExact('{"errorCode":"Y902","errorMessage":"Oops some issue at our end","referenceCode":"ref-1"}'), new Headers(), now);
  assert.deepEqual([e.code, e.description, e.providerCode, e.requestId], ['institution_down', 'Oops some issue at our end', 'Y902', 'ref-1']);
  const r = apiError(429, parseJsonExact('{"errorMessage":"Too many"}'), new Headers({ 'retry-after': '120' }), now);
  assert.deepEqual([r.code, r.retryAt], ['rate_limited', '2026-06-15T10:02:00.000Z']);
  const d = apiError(429, null, new Headers({ 'retry-after': 'Mon, 15 Jun 2026 12:00:00 GMT' }), now);
  assert.equal(d.retryAt, '2026-06-15T12:00:00.000Z');
  assert.equal(apiError(503, null, new Headers(), now).code, 'institution_down');
  assert.equal(apiError(400, parseJsonExact('{"errorCode":"Y804"}'), new Headers(), now).code, 'other');
});

test('refresh outcomes map to the taxonomy', () => {
  const code = (status: string, additionalStatus?: string) => datasetError({ status, ...(additionalStatus ? { additionalStatus } : {}) }).code;
  assert.equal(code('FAILED', 'INCORRECT_CREDENTIALS'), 'login_required');
  assert.equal(code('FAILED', 'ACCOUNT_LOCKED'), 'locked');
  assert.equal(code('USER_INPUT_REQUIRED', 'ADDL_AUTHENTICATION_REQUIRED'), 'user_action_required');
  assert.equal(code('USER_INPUT_REQUIRED'), 'user_action_required');
  assert.equal(code('FAILED', 'CONSENT_EXPIRED'), 'consent_expired');
  assert.equal(code('FAILED', 'SITE_UNAVAILABLE'), 'institution_down');
  assert.equal(code('IN_PROGRESS', 'IN_PROGRESS'), 'not_ready');
  assert.equal(code('FAILED', 'SOMETHING_NEW'), 'other');
});

test('providerRef is loginName:providerAccountId', () => {
  assert.deepEqual(parseRef('ledgerlink-ab:123'), { loginName: 'ledgerlink-ab', providerAccountId: '123' });
  assert.throws(() => parseRef('nocolon'), ProviderError);
});
