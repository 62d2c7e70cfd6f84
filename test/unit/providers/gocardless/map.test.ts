// GoCardless transaction and error mapping, without HTTP.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJsonExact, type HttpResponse, type Json } from '../../../../main/providers/http';
import { DERIVED_ID_PREFIX, gocardlessError, mapTransaction } from '../../../../main/providers/gocardless/index';

const res = (status: number, body: string, headers: Record<string, string> = {}): HttpResponse =>
  ({ status, headers: new Headers(headers), body: parseJsonExact(body), text: body });
const NOW = new Date('2026-06-15T10:00:00Z');

test('the first present id is the main one, the others are kept with their kinds', () => {
  const t = mapTransaction(parseJsonExact('{"internalTransactionId":"i1","entryReference":"e1","bookingDate":"2026-06-01","transactionAmount":{"amount":"-12.30","currency":"EUR"}}'), 'booked', 'EUR');
  assert.equal(t.id, 'i1');
  assert.deepEqual(t.otherIds, [{ kind: 'entry_reference', id: 'e1' }]);
  assert.equal(t.amount, '-12.30');
  assert.equal(t.date, '2026-06-01');
  const all = mapTransaction(parseJsonExact('{"transactionId":"t1","internalTransactionId":"i1","entryReference":"e1","bookingDate":"2026-06-01","transactionAmount":{"amount":"1","currency":"EUR"}}'), 'booked', 'EUR');
  assert.equal(all.id, 't1');
  assert.deepEqual(all.otherIds, [{ kind: 'internal', id: 'i1' }, { kind: 'entry_reference', id: 'e1' }]);
});

test('without any id, a stable id is derived from date, amount, currency and text', () => {
  const raw = '{"bookingDate":"2026-06-01","transactionAmount":{"amount":"-2.50","currency":"EUR"},"remittanceInformationUnstructuredArray":["Parking","meter"]}';
  const a = mapTransaction(parseJsonExact(raw), 'booked', 'EUR');
  const b = mapTransaction(parseJsonExact(raw), 'booked', 'EUR');
  assert.ok(a.id.startsWith(DERIVED_ID_PREFIX));
  assert.equal(a.id, b.id, 'stable');
  assert.equal(a.paymentRef, 'Parking meter');
  const other = mapTransaction(parseJsonExact(raw.replace('-2.50', '-2.51')), 'booked', 'EUR');
  assert.notEqual(other.id, a.id);
  const pending = mapTransaction(parseJsonExact(raw), 'pending', 'EUR');
  assert.notEqual(pending.id, a.id, 'a pending line never takes the id of a posted one');
});

test('pending lines without a booking date use the value date; "+" amounts and amounts as JSON numbers stay exact text', () => {
  const t = mapTransaction(parseJsonExact('{"valueDate":"2026-06-14","transactionAmount":{"amount":"+1000000000000.10","currency":"EUR"},"debtorName":"Acme","debtorAccount":{"iban":"BE71096123456769"}}'), 'pending', 'EUR');
  assert.equal(t.date, '2026-06-14');
  assert.equal(t.amount, '1000000000000.10');
  assert.equal(t.partnerName, 'Acme');
  assert.equal(t.accountNumber, 'BE71096123456769');
  const n = mapTransaction(parseJsonExact('{"transactionId":"x","bookingDate":"2026-06-14","transactionAmount":{"amount":0.10,"currency":"EUR"}}'), 'booked', 'EUR');
  assert.equal(n.amount, '0.10');
  assert.throws(() => mapTransaction(parseJsonExact('{"transactionId":"x","bookingDate":"2026-06-14","transactionAmount":{"amount":"1,5","currency":"EUR"}}'), 'booked', 'EUR'),
    (e: Error & { code?: string }) => e.code === 'invalid_response');
});

test('currencyExchange (object or array): unsigned instructed amount takes the booked direction', () => {
  const body: Json = parseJsonExact('{"transactionId":"fx","bookingDate":"2026-06-01","transactionAmount":{"amount":"-43.21","currency":"EUR"},"creditorName":"Shop","currencyExchange":[{"sourceCurrency":"USD","exchangeRate":"1.085","instructedAmount":{"amount":"46.88","currency":"USD"}}]}');
  const t = mapTransaction(body, 'booked', 'EUR');
  assert.equal(t.originalCurrency, 'USD');
  assert.equal(t.originalAmount, '-46.88');
  assert.equal(t.exchangeRate, '1.085');
  assert.equal(t.partnerName, 'Shop');
});

test('error mapping', () => {
  const body = (s: number, summary: string, detail: string) => JSON.stringify({ summary, detail, status_code: s });
  assert.equal(gocardlessError(res(401, body(401, 'End User Agreement (EUA) x has expired', 'EUA was valid for 90 days')), NOW).code, 'consent_expired');
  assert.equal(gocardlessError(res(400, body(400, 'End User Agreement (EUA) x has expired', '')), NOW).code, 'consent_expired');
  const rl = gocardlessError(res(429, body(429, 'Rate limit exceeded', 'The rate limit for this resource is 4/day. Please try again in 120 seconds'), { 'x-request-id': 'r1' }), NOW);
  assert.equal(rl.code, 'rate_limited');
  assert.equal(rl.retryAt, '2026-06-15T10:02:00.000Z');
  assert.equal(rl.requestId, 'r1');
  assert.equal(rl.description, 'Rate limit exceeded: The rate limit for this resource is 4/day. Please try again in 120 seconds');
  const hdr = gocardlessError(res(429, body(429, 'Rate limit exceeded', ''), { HTTP_X_RATELIMIT_ACCOUNT_SUCCESS_RESET: '60' }), NOW);
  assert.equal(hdr.retryAt, '2026-06-15T10:01:00.000Z');
  assert.equal(gocardlessError(res(503, body(503, 'Service Unavailable', 'ASPSP down')), NOW).code, 'institution_down');
  assert.equal(gocardlessError(res(404, body(404, 'Not found.', 'Not found.')), NOW).code, 'consent_expired');
  assert.equal(gocardlessError(res(409, body(409, 'Account is being processed', '')), NOW).code, 'not_ready');
  const keys = gocardlessError(res(401, body(401, 'Authentication failed', 'No active account found with the given credentials')), NOW, 'token');
  assert.equal(keys.code, 'other');
  assert.match(keys.description, /Check the GoCardless secret id and secret key/);
  const field = gocardlessError(res(400, JSON.stringify({ max_historical_days: { summary: 'Incorrect max_historical_days', detail: 'must be <= 90' }, status_code: 400 })), NOW);
  assert.equal(field.code, 'other');
  assert.match(field.description, /max_historical_days: Incorrect max_historical_days: must be <= 90/);
});
