// The window shows the API's decimal text as it is: the currency's symbol and the locale's
// grouping, exactly the decimals the text has, and no float or rescaling on the way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decimalPlaces, formatDecimalMoney, subtractDecimals, typedToMinor } from '../../../renderer/money';

test('formats decimal text with the text\'s own decimals, whatever Intl thinks the currency has', () => {
  // Intl (CLDR) gives HUF, IDR and COP 0 digits and IQD 0; ISO 4217 gives them 2, 2, 2 and 3.
  assert.equal(formatDecimalMoney('1234.50', 'HUF', 'en-US'), 'HUF\u00a01,234.50');
  assert.equal(formatDecimalMoney('1000.250', 'IQD', 'en-US'), 'IQD\u00a01,000.250');
  assert.equal(formatDecimalMoney('1500000', 'VND', 'vi-VN'), '1.500.000\u00a0₫');
  assert.equal(formatDecimalMoney('-1234.50', 'EUR', 'vi-VN'), '-1.234,50\u00a0€');
  assert.equal(formatDecimalMoney('12.3456', 'CLF', 'en-US'), 'CLF\u00a012.3456');
  assert.equal(formatDecimalMoney('0.10', 'USD', 'en-US', 'exceptZero'), '+$0.10');
  assert.equal(formatDecimalMoney('0.00', 'USD', 'en-US', 'exceptZero'), '$0.00');
});

test('keeps every digit of amounts past a float\'s precision', () => {
  assert.equal(formatDecimalMoney('90071992547409.93', 'EUR', 'en-US'), '€90,071,992,547,409.93');
  assert.equal(formatDecimalMoney('0.29', 'EUR', 'en-US'), '€0.29');
});

test('decimal arithmetic for the balance mismatch, by integers', () => {
  assert.equal(subtractDecimals('100.00', '99.99'), '0.01');
  assert.equal(subtractDecimals('1.234', '2.000'), '-0.766');
  assert.equal(subtractDecimals('1500000', '1500001'), '-1');
  assert.equal(subtractDecimals('5.00', '5.00'), '0.00');
  assert.throws(() => subtractDecimals('1.0', '1.00'), /one currency/);
  assert.equal(decimalPlaces('12.3456'), 4);
  assert.equal(decimalPlaces('-7'), 0);
  assert.throws(() => decimalPlaces('1e3'), /decimal text/);
});

test('typed amounts become minor units with the exponent read from the API\'s text', () => {
  assert.equal(typedToMinor('', 2), undefined);
  assert.equal(typedToMinor('-42.5', decimalPlaces('1234.50')), -4250);
  assert.equal(typedToMinor('1 500,00', 2), 150000);
  assert.equal(typedToMinor('1.234', decimalPlaces('0.000')), 1234);
  assert.equal(typedToMinor('1.5', decimalPlaces('1500000')), null, 'VND has no decimals');
  assert.equal(typedToMinor('abc', 2), null);
  assert.equal(Object.is(typedToMinor('-0', 2), -0), false);
});
