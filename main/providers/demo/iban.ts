// Account numbers for the sandbox: real-shaped IBANs (valid ISO 13616 check digits), so that
// whatever validates or masks IBANs elsewhere in the app sees the real thing.

/** Builds an IBAN from its country and BBAN, computing the two check digits (mod 97). */
export function makeIban(country: string, bban: string): string {
  const digits = `${bban}${country}00`.replace(/[A-Z]/g, (ch) => String(ch.charCodeAt(0) - 55));
  let rem = 0;
  for (const ch of digits) rem = (rem * 10 + Number(ch)) % 97;
  return `${country}${String(98 - rem).padStart(2, '0')}${bban}`;
}

export function isValidIban(iban: string): boolean {
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$/.test(iban)) return false;
  return makeIban(iban.slice(0, 2), iban.slice(4)) === iban;
}

/** What the consent page shows: enough to recognise the account, not to copy it. */
export function maskAccountNumber(accountNumber: string): string {
  const last4 = accountNumber.slice(-4);
  return isValidIban(accountNumber) ? `${accountNumber.slice(0, 4)} •••• •••• ${last4}` : `•••• ${last4}`;
}
