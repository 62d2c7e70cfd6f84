// The Demo Bank's institutions: each one shows one behaviour of real banks (MFA, beta,
// manual-only, short history, a zero-decimal currency, one refresh a day, high volume) so a
// new user, and the tests, can meet every case without a real bank.

import type { Institution } from '../types';
import { makeIban } from './iban';
import type { Profile } from './profiles';
import { gbpAccount, nlBusinessAccount, nlCurrentAccount, nlSavingsAccount, usdAccount, vndAccount } from './profiles';

export interface DemoAccount {
  id: string;
  name: string;
  currency: string;
  /** IBAN, or the local account number where IBANs are not used. */
  accountNumber: string;
  /** Balance at the start of BALANCE_ANCHOR_DATE (see generator.ts), minor units. */
  anchorBalanceMinor: number;
  profile: Profile;
}

export interface DemoInstitution extends Institution {
  accounts: readonly DemoAccount[];
}

/** Every demo institution accepts this login; the MFA one also asks DEMO_MFA_CODE. */
export const DEMO_USERNAME = 'demo';
export const DEMO_PASSWORD = 'demo';
export const DEMO_MFA_CODE = '123456';

const nlIban = (n: number): string => makeIban('NL', `DEMO${String(n).padStart(10, '0')}`);

const PLAIN_CURRENT = nlIban(1_000_001);
const PLAIN_SAVINGS = nlIban(1_000_003);

const base = { country: 'NL', bic: 'DEMONL2A', beta: false, historyDays: 730, automaticSync: true } as const;

export const DEMO_INSTITUTIONS: readonly DemoInstitution[] = [
  {
    ...base, id: 'demo-plain', name: 'Demo Bank',
    accounts: [
      { id: 'plain-current-eur', name: 'Current Account', currency: 'EUR', accountNumber: PLAIN_CURRENT, anchorBalanceMinor: 234_567, profile: nlCurrentAccount({ salaryMinor: 315_000, rentMinor: 115_000, cardLast4: '4821', savingsIban: PLAIN_SAVINGS }) },
      { id: 'plain-dollar-usd', name: 'US Dollar Account', currency: 'USD', accountNumber: nlIban(1_000_002), anchorBalanceMinor: 152_000, profile: usdAccount({ cardLast4: '7730' }) },
      { id: 'plain-savings-eur', name: 'Savings Account', currency: 'EUR', accountNumber: PLAIN_SAVINGS, anchorBalanceMinor: 800_000, profile: nlSavingsAccount({ currentIban: PLAIN_CURRENT }) },
    ],
  },
  {
    ...base, id: 'demo-mfa', name: 'Demo Bank Secure', mfa: true,
    accounts: [
      { id: 'secure-current-eur', name: 'Secure Current Account', currency: 'EUR', accountNumber: nlIban(2_000_001), anchorBalanceMinor: 189_012, profile: nlCurrentAccount({ salaryMinor: 287_500, rentMinor: 98_000, cardLast4: '1188' }) },
      { id: 'secure-current-gbp', name: 'Pound Sterling Account', currency: 'GBP', accountNumber: makeIban('GB', 'DEMO40051500200002'), anchorBalanceMinor: 324_050, profile: gbpAccount({ cardLast4: '5012' }) },
    ],
  },
  {
    ...base, id: 'demo-beta', name: 'Demo Bank Beta', beta: true,
    accounts: [{ id: 'beta-current-eur', name: 'Current Account', currency: 'EUR', accountNumber: nlIban(3_000_001), anchorBalanceMinor: 51_230, profile: nlCurrentAccount({ salaryMinor: 240_000, rentMinor: 87_500, cardLast4: '3303' }) }],
  },
  {
    ...base, id: 'demo-manual', name: 'Demo Bank Manual Sync', automaticSync: false,
    accounts: [{ id: 'manual-current-eur', name: 'Current Account', currency: 'EUR', accountNumber: nlIban(4_000_001), anchorBalanceMinor: 312_000, profile: nlCurrentAccount({ salaryMinor: 330_000, rentMinor: 125_000, cardLast4: '4404' }) }],
  },
  {
    ...base, id: 'demo-90days', name: 'Demo Bank Short History', historyDays: 90,
    accounts: [{ id: 'short-current-eur', name: 'Current Account', currency: 'EUR', accountNumber: nlIban(5_000_001), anchorBalanceMinor: 275_040, profile: nlCurrentAccount({ salaryMinor: 298_000, rentMinor: 105_000, cardLast4: '9005' }) }],
  },
  {
    ...base, id: 'demo-vnd', name: 'Ngân hàng Demo', country: 'VN', bic: 'DEMOVNVX',
    accounts: [{ id: 'vnd-current', name: 'Tài khoản thanh toán', currency: 'VND', accountNumber: '0061001234567', anchorBalanceMinor: 15_250_000, profile: vndAccount({ cardLast4: '6066' }) }],
  },
  {
    ...base, id: 'demo-daily', name: 'Demo Bank Daily Refresh', refreshesPerDay: 1,
    accounts: [{ id: 'daily-current-eur', name: 'Current Account', currency: 'EUR', accountNumber: nlIban(7_000_001), anchorBalanceMinor: 199_999, profile: nlCurrentAccount({ salaryMinor: 305_000, rentMinor: 110_000, cardLast4: '7007' }) }],
  },
  {
    ...base, id: 'demo-busy', name: 'Demo Bank Business',
    accounts: [{ id: 'busy-business-eur', name: 'Business Account', currency: 'EUR', accountNumber: nlIban(8_000_001), anchorBalanceMinor: 25_000_000, profile: nlBusinessAccount({ cardLast4: '8808' }) }],
  },
];

export function findInstitution(id: string): DemoInstitution | undefined {
  return DEMO_INSTITUTIONS.find((i) => i.id === id);
}

/** The institution as the Provider interface shows it: without the bank's internals. */
export function publicInstitution(i: DemoInstitution): Institution {
  const { accounts: _accounts, ...rest } = i;
  return { ...rest };
}
