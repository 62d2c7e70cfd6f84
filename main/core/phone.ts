/** Why the app asks the phone number, in the words the user sees. */
export const PHONE_REASON =
  'Your phone number is used to protect your account: if suspicious activity is detected, ' +
  'requests are blocked until you re-activate with this number.';

/**
 * Normalizes a phone number to E.164 ("+32 470 12-34-56" → "+32470123456"), or returns null
 * when it is not one: a leading +, a country code not starting with 0, 8 to 15 digits in all.
 */
export function normalizePhone(input: string): string | null {
  const compact = input.trim().replace(/[\s().-]/g, '');
  const withPlus = compact.startsWith('00') ? `+${compact.slice(2)}` : compact;
  return /^\+[1-9]\d{7,14}$/.test(withPlus) ? withPlus : null;
}
