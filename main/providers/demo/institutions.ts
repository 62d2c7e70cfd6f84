// The Demo Bank's institutions: each one shows one behaviour of real banks so a new user, and
// the tests (the sync engine's and the scheduler's, on a fake clock), can meet every case
// without a real bank:
//   demo-plain    three accounts (EUR, USD, savings), no surprises
//   demo-mfa      a one-time code at consent, and a security code asked on every unattended call
//   demo-beta     shown with a Beta badge
//   demo-manual   refuses unattended (automatic) synchronization
//   demo-90days   gives only 90 days of history
//   demo-vnd      a currency without decimals
//   demo-daily    one refresh a day; data as of the last refresh
//   demo-busy     ~150 card payments a day
//   demo-oauth    OAuth tokens like Ponto: 30-minute access token, refresh token rotated on use
//   demo-psd2     4 unattended synchronizations per account per rolling 24 h (PSD2)
//   demo-fraud    locks the consent after more than 3 synchronizations within an hour
// Every institution also blocks a consent session after 3 wrong passwords in a row.

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

/** How an institution behaves beyond what `Institution` tells the app: the bank's internals. */
export interface DemoBehaviour {
  /** OAuth tokens (access_token 30 min, refresh_token rotated on every use) guard every call. */
  oauth?: boolean;
  /** Unattended calls are refused with user_action_required: the bank asks a security code. */
  scaWhenUnattended?: boolean;
  /** The consent is locked after more than FRAUD_SYNC_LIMIT synchronizations within FRAUD_WINDOW_MS. */
  fraudWatch?: boolean;
}

export interface DemoInstitution extends Institution {
  accounts: readonly DemoAccount[];
  behaviour?: DemoBehaviour;
}

/** The ids of the demo institutions, for tests and the CLI. */
export const DEMO_INSTITUTION = {
  plain: 'demo-plain',
  mfa: 'demo-mfa',
  beta: 'demo-beta',
  manual: 'demo-manual',
  shortHistory: 'demo-90days',
  vnd: 'demo-vnd',
  daily: 'demo-daily',
  busy: 'demo-busy',
  oauth: 'demo-oauth',
  psd2: 'demo-psd2',
  fraud: 'demo-fraud',
} as const;

export type DemoInstitutionId = (typeof DEMO_INSTITUTION)[keyof typeof DEMO_INSTITUTION];

/**
 * Every demo institution accepts this login; the MFA one also asks DEMO_MFA_CODE. A consent
 * session that sees DEMO_LOGIN_ATTEMPTS wrong logins in a row is blocked (consent-server.ts).
 */
export const DEMO_USERNAME = 'demo';
export const DEMO_PASSWORD = 'demo';
export const DEMO_MFA_CODE = '123456';
export const DEMO_LOGIN_ATTEMPTS = 3;

const nlIban = (n: number): string => makeIban('NL', `DEMO${String(n).padStart(10, '0')}`);

const PLAIN_CURRENT = nlIban(1_000_001);
const PLAIN_SAVINGS = nlIban(1_000_003);

const base = { country: 'NL', bic: 'DEMONL2A', beta: false, historyDays: 730, automaticSync: true } as const;

export const DEMO_INSTITUTIONS: readonly (DemoInstitution & { id: DemoInstitutionId })[] = [
  {
    ...base, id: DEMO_INSTITUTION.plain, name: 'Demo Bank',
    accounts: [
      { id: 'plain-current-eur', name: 'Current Account', currency: 'EUR', accountNumber: PLAIN_CURRENT, anchorBalanceMinor: 234_567, profile: nlCurrentAccount({ salaryMinor: 315_000, rentMinor: 115_000, cardLast4: '4821', savingsIban: PLAIN_SAVINGS }) },
      { id: 'plain-dollar-usd', name: 'US Dollar Account', currency: 'USD', accountNumber: nlIban(1_000_002), anchorBalanceMinor: 152_000, profile: usdAccount({ cardLast4: '7730' }) },
      { id: 'plain-savings-eur', name: 'Savings Account', currency: 'EUR', accountNumber: PLAIN_SAVINGS, anchorBalanceMinor: 800_000, profile: nlSavingsAccount({ currentIban: PLAIN_CURRENT }) },
    ],
  },
  {
    ...base, id: DEMO_INSTITUTION.mfa, name: 'Demo Bank Secure', mfa: true, behaviour: { scaWhenUnattended: true },
    accounts: [
      { id: 'secure-current-eur', name: 'Secure Current Account', currency: 'EUR', accountNumber: nlIban(2_000_001), anchorBalanceMinor: 189_012, profile: nlCurrentAccount({ salaryMinor: 287_500, rentMinor: 98_000, cardLast4: '1188' }) },
      { id: 'secure-current-gbp', name: 'Pound Sterling Account', currency: 'GBP', accountNumber: makeIban('GB', 'DEMO40051500200002'), anchorBalanceMinor: 324_050, profile: gbpAccount({ cardLast4: '5012' }) },
    ],
  },
  {
    ...base, id: DEMO_INSTITUTION.beta, name: 'Demo Bank Beta', beta: true,
    accounts: [{ id: 'beta-current-eur', name: 'Current Account', currency: 'EUR', accountNumber: nlIban(3_000_001), anchorBalanceMinor: 51_230, profile: nlCurrentAccount({ salaryMinor: 240_000, rentMinor: 87_500, cardLast4: '3303' }) }],
  },
  {
    ...base, id: DEMO_INSTITUTION.manual, name: 'Demo Bank Manual Sync', automaticSync: false,
    accounts: [{ id: 'manual-current-eur', name: 'Current Account', currency: 'EUR', accountNumber: nlIban(4_000_001), anchorBalanceMinor: 312_000, profile: nlCurrentAccount({ salaryMinor: 330_000, rentMinor: 125_000, cardLast4: '4404' }) }],
  },
  {
    ...base, id: DEMO_INSTITUTION.shortHistory, name: 'Demo Bank Short History', historyDays: 90,
    accounts: [{ id: 'short-current-eur', name: 'Current Account', currency: 'EUR', accountNumber: nlIban(5_000_001), anchorBalanceMinor: 275_040, profile: nlCurrentAccount({ salaryMinor: 298_000, rentMinor: 105_000, cardLast4: '9005' }) }],
  },
  {
    ...base, id: DEMO_INSTITUTION.vnd, name: 'Ngân hàng Demo', country: 'VN', bic: 'DEMOVNVX',
    accounts: [{ id: 'vnd-current', name: 'Tài khoản thanh toán', currency: 'VND', accountNumber: '0061001234567', anchorBalanceMinor: 15_250_000, profile: vndAccount({ cardLast4: '6066' }) }],
  },
  {
    ...base, id: DEMO_INSTITUTION.daily, name: 'Demo Bank Daily Refresh', refreshesPerDay: 1,
    accounts: [{ id: 'daily-current-eur', name: 'Current Account', currency: 'EUR', accountNumber: nlIban(7_000_001), anchorBalanceMinor: 199_999, profile: nlCurrentAccount({ salaryMinor: 305_000, rentMinor: 110_000, cardLast4: '7007' }) }],
  },
  {
    ...base, id: DEMO_INSTITUTION.busy, name: 'Demo Bank Business',
    accounts: [{ id: 'busy-business-eur', name: 'Business Account', currency: 'EUR', accountNumber: nlIban(8_000_001), anchorBalanceMinor: 25_000_000, profile: nlBusinessAccount({ cardLast4: '8808' }) }],
  },
  {
    ...base, id: DEMO_INSTITUTION.oauth, name: 'Demo Bank Connect', behaviour: { oauth: true },
    accounts: [{ id: 'connect-current-eur', name: 'Current Account', currency: 'EUR', accountNumber: nlIban(9_000_001), anchorBalanceMinor: 142_250, profile: nlCurrentAccount({ salaryMinor: 276_000, rentMinor: 92_500, cardLast4: '9009' }) }],
  },
  {
    ...base, id: DEMO_INSTITUTION.psd2, name: 'Demo Bank PSD2', unattendedPerDay: 4,
    accounts: [{ id: 'psd2-current-eur', name: 'Current Account', currency: 'EUR', accountNumber: nlIban(10_000_001), anchorBalanceMinor: 208_410, profile: nlCurrentAccount({ salaryMinor: 312_000, rentMinor: 118_000, cardLast4: '1010' }) }],
  },
  {
    ...base, id: DEMO_INSTITUTION.fraud, name: 'Demo Bank Fraud Watch', behaviour: { fraudWatch: true },
    accounts: [{ id: 'fraud-current-eur', name: 'Current Account', currency: 'EUR', accountNumber: nlIban(11_000_001), anchorBalanceMinor: 97_380, profile: nlCurrentAccount({ salaryMinor: 259_000, rentMinor: 89_000, cardLast4: '1111' }) }],
  },
];

export function findInstitution(id: string): DemoInstitution | undefined {
  return DEMO_INSTITUTIONS.find((i) => i.id === id);
}

/**
 * The institution as the Provider interface shows it: every field of `Institution` the
 * institution sets (automaticSync, refreshesPerDay, unattendedPerDay, mfa...), and none of the
 * bank's internals (accounts, behaviour).
 */
export function publicInstitution(i: DemoInstitution): Institution {
  const out: Institution = {
    id: i.id, name: i.name, country: i.country, beta: i.beta, historyDays: i.historyDays, automaticSync: i.automaticSync,
  };
  if (i.bic !== undefined) out.bic = i.bic;
  if (i.refreshesPerDay !== undefined) out.refreshesPerDay = i.refreshesPerDay;
  if (i.unattendedPerDay !== undefined) out.unattendedPerDay = i.unattendedPerDay;
  if (i.mfa !== undefined) out.mfa = i.mfa;
  if (i.logo !== undefined) out.logo = i.logo;
  return out;
}
