import { test } from 'node:test';
import assert from 'node:assert/strict';
import { currencyExponent, formatAmount, parseAmount } from '../../../main/ledger/money';

test('parses decimal text into minor units with each currency\'s ISO 4217 exponent', () => {
  assert.equal(parseAmount('12.34', 'EUR'), 1234);
  assert.equal(parseAmount('-0.5', 'USD'), -50);
  assert.equal(parseAmount('1500000', 'VND'), 1500000);
  assert.equal(parseAmount('1500000.00', 'VND'), 1500000);
  assert.equal(parseAmount('980', 'JPY'), 980);
  assert.equal(parseAmount('1.234', 'KWD'), 1234);
  assert.equal(parseAmount('+7', 'KWD'), 7000);
  assert.equal(Object.is(parseAmount('-0.00', 'EUR'), -0), false, 'no negative zero');
});

test('keeps exact cents where float arithmetic would not', () => {
  // 0.1 + 0.2 style errors and 1.005 rounding must not appear: parsing is textual.
  assert.equal(parseAmount('1.005', 'KWD'), 1005);
  assert.equal(parseAmount('0.29', 'EUR'), 29); // 0.29 * 100 = 28.999999999999996 in floats
  assert.equal(parseAmount('1234567890123.45', 'EUR'), 123456789012345);
});

test('refuses fractions of a minor unit and text that is not an amount', () => {
  assert.throws(() => parseAmount('1.5', 'VND'), /more decimals than VND allows/);
  assert.throws(() => parseAmount('1.5', 'JPY'), /more decimals/);
  assert.throws(() => parseAmount('1.2345', 'KWD'), /more decimals/);
  assert.throws(() => parseAmount('12,30', 'EUR'), /not a decimal amount/);
  assert.throws(() => parseAmount('1e3', 'EUR'), /not a decimal amount/);
  assert.throws(() => parseAmount('', 'EUR'), /not a decimal amount/);
  assert.throws(() => parseAmount('1', 'euro'), /ISO 4217/);
  assert.throws(() => parseAmount('99999999999999999999', 'EUR'), /too large/);
});

test('formats minor units back to decimal text', () => {
  assert.equal(formatAmount(1234, 'EUR'), '12.34');
  assert.equal(formatAmount(-5, 'USD'), '-0.05');
  assert.equal(formatAmount(1500000, 'VND'), '1500000');
  assert.equal(formatAmount(980, 'JPY'), '980');
  assert.equal(formatAmount(-1234, 'KWD'), '-1.234');
  assert.equal(currencyExponent('EUR'), 2);
  for (const [text, cur] of [['0.01', 'EUR'], ['-987.654', 'KWD'], ['42', 'VND']] as const) {
    assert.equal(formatAmount(parseAmount(text, cur), cur), text);
  }
});
