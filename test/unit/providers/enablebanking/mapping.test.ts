// Enable Banking's error bodies and transaction records, mapped without a server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { enableBankingError, retryAtOf } from '../../../../main/providers/enablebanking/errors';
import { maskAccountNumber, parseInstitutionId, toTransaction } from '../../../../main/providers/enablebanking/index';
import { parseJsonExact, type HttpResponse, type Json } from '../../../../main/providers/http';

const NOW = new Date('2026-06-15T10:00:00Z');

function res(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  const text = JSON.stringify(body);
  return { status, headers: new Headers(headers), body: parseJsonExact(text), text };
}

test('every documented Enable Banking error lands on its code, with message, provider code and request id', () => {
  const cases: [number, string | null, string][] = [
    [401, 'EXPIRED_SESSION', 'consent_expired'],
    [401, 'REVOKED_SESSION', 'consent_expired'],
    [401, 'CLOSED_SESSION', 'consent_expired'],
    [404, 'SESSION_DOES_NOT_EXIST', 'consent_expired'],
    [400, 'ASPSP_PSU_ACTION_REQUIRED', 'user_action_required'],
    [429, 'ASPSP_RATE_LIMIT_EXCEEDED', 'rate_limited'],
    [502, 'ASPSP_ERROR', 'institution_down'],
    [504, 'ASPSP_TIMEOUT', 'institution_down'],
    [500, null, 'institution_down'],
    [401, 'UNAUTHORIZED_ACCESS', 'other'],
    [403, null, 'other'],
    [422, 'WRONG_TRANSACTIONS_PERIOD', 'other'],
  ];
  for (const [status, error, code] of cases) {
    const e = enableBankingError(res(status, { message: 'Some message', code: status, error, detail: 'More' }, { 'x-request-id': 'rid-1' }), NOW);
    assert.equal(e.code, code, `${status} ${error}`);
    assert.equal(e.providerCode, error ?? `HTTP_${status}`);
    assert.equal(e.requestId, 'rid-1');
    assert.match(e.description, /Some message: More/);
  }
  const jwt = enableBankingError(res(401, { message: 'Invalid JWT', code: 401, error: 'UNAUTHORIZED_ACCESS', detail: null }), NOW);
  assert.match(jwt.description, /configuration problem/);
});

test('rate limits: Retry-After in seconds or as a date; without it a whole day', () => {
  assert.equal(retryAtOf({ headers: new Headers({ 'retry-after': '3600' }) }, NOW), '2026-06-15T11:00:00.000Z');
  assert.equal(retryAtOf({ headers: new Headers({ 'retry-after': 'Tue, 16 Jun 2026 08:00:00 GMT' }) }, NOW), '2026-06-16T08:00:00.000Z');
  assert.equal(retryAtOf({ headers: new Headers() }, NOW), '2026-06-16T10:00:00.000Z');
  const e = enableBankingError(res(429, { message: 'Too many', code: 429, error: 'ASPSP_RATE_LIMIT_EXCEEDED', detail: null }, { 'retry-after': '60' }), NOW);
  assert.equal(e.retryAt, '2026-06-15T10:01:00.000Z');
});

function tx(o: Record<string, unknown>): Json {
  return parseJsonExact(JSON.stringify({ transaction_amount: { amount: '12.30', currency: 'EUR' }, credit_debit_indicator: 'DBIT', status: 'BOOK', booking_date: '2026-06-01', ...o }));
}

test('transactions: sign from the indicator, exact decimals, ids and their fallbacks', () => {
  const seen = new Map<string, number>();
  const a = toTransaction(tx({ entry_reference: 'E1', transaction_id: 'T1', remittance_information: ['Invoice', '42'], creditor: { name: 'Shop' } }), seen, undefined);
  assert.deepEqual([a.id, a.amount, a.paymentRef, a.partnerName, a.otherIds], ['E1', '-12.30', 'Invoice 42', 'Shop', [{ kind: 'internal', id: 'T1' }]]);
  // An amount sent negative with DBIT is not negated twice; a credit stays positive; JSON numbers keep their text.
  assert.equal(toTransaction(tx({ entry_reference: 'E2', transaction_amount: { amount: '-5.10', currency: 'EUR' } }), seen, undefined).amount, '-5.10');
  const credit = parseJsonExact('{"entry_reference":"E3","transaction_amount":{"amount":1000000.10,"currency":"EUR"},"credit_debit_indicator":"CRDT","booking_date":"2026-06-01","debtor":{"name":"Client"}}');
  assert.deepEqual([toTransaction(credit, seen, undefined).amount, toTransaction(credit, seen, undefined).partnerName], ['1000000.10', 'Client']);
  assert.equal(toTransaction(tx({ transaction_id: 'T9' }), seen, undefined).id, 'T9', 'no entry_reference: transaction_id');
  // No id at all: a digest, numbered so that two identical bookings stay two.
  const x = toTransaction(tx({}), seen, undefined);
  const y = toTransaction(tx({}), seen, undefined);
  assert.match(x.id, /^eb-[0-9a-f]{24}-1$/);
  assert.equal(y.id, x.id.replace(/-1$/, '-2'));
  // A pending one without booking_date uses value_date.
  assert.equal(toTransaction(tx({ status: 'PDNG', booking_date: null, value_date: '2026-06-03', transaction_id: 'P1' }), seen, undefined).date, '2026-06-03');
  // Foreign currency.
  const fx = toTransaction(tx({ entry_reference: 'E4', exchange_rate: { exchange_rate: '0.92', unit_currency: 'USD', instructed_amount: { amount: '13.37', currency: 'USD' } } }), seen, undefined);
  assert.deepEqual([fx.originalAmount, fx.originalCurrency, fx.exchangeRate], ['-13.37', 'USD', '0.92']);
  // Unreadable amounts are refused before anything is written.
  for (const amount of ['12,30', 'abc', '']) {
    assert.throws(() => toTransaction(tx({ entry_reference: 'E5', transaction_amount: { amount, currency: 'EUR' } }), seen, 'rid'), (e: { code: string; requestId: string }) => e.code === 'invalid_response' && e.requestId === 'rid');
  }
  assert.throws(() => toTransaction(tx({ entry_reference: 'E6', credit_debit_indicator: 'XX' }), seen, undefined), /credit_debit_indicator/);
});

test('institution ids and masked account numbers', () => {
  assert.deepEqual(parseInstitutionId('FI:S-Pankki: Yritys'), { country: 'FI', name: 'S-Pankki: Yritys' });
  assert.throws(() => parseInstitutionId('Nordea'), /COUNTRY:NAME/);
  assert.equal(maskAccountNumber('FI14 1009 3000 1234 58'), 'FI14 **** 3458');
  assert.equal(maskAccountNumber('123456'), '****3456');
});
