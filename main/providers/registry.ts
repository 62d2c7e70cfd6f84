// Every real provider the app knows, built from its configuration (environment first, then
// Settings with secrets in the vault). A provider is built even when it is not configured:
// its calls then fail with a sentence saying what to set up. Settings accept only the keys
// listed here; addresses (base URLs) are not among them: see base-url.ts.
import type { ProviderConfig } from './config';
import type { Provider, ProviderName } from './types';
import { EnableBankingProvider } from './enablebanking/index';
import { GoCardlessProvider } from './gocardless/index';
import { PlaidProvider } from './plaid/index';
import { PontoProvider } from './ponto/index';
import { YodleeProvider } from './yodlee/index';
import { SaltEdgeProvider } from './saltedge/index';
import { SimpleFinProvider } from './simplefin/index';

export interface ProviderEntry {
  name: Exclude<ProviderName, 'demo'>;
  displayName: string;
  /** Environment variables are `${envPrefix}_${KEY}` (e.g. PLAID_CLIENT_ID). */
  envPrefix: string;
  /** The keys Settings offers for it (`provider.NAME.KEY`), in the order a user fills them. */
  keys: readonly string[];
  /** Keys that are secrets: set through Settings they go to the vault, never to SQLite. */
  secretKeys: readonly string[];
  /** Keys whose value is a name from a fixed list (Plaid's `env` picks one of Plaid's hosts). */
  choices?: Readonly<Record<string, readonly string[]>>;
  /** `now` is the app's clock: a client never reads the wall clock itself (common/clock.ts). */
  create(config: ProviderConfig, now: () => Date): Provider;
}

export const PROVIDERS: readonly ProviderEntry[] = [
  { name: 'plaid', displayName: 'Plaid', envPrefix: 'PLAID', keys: ['client_id', 'secret', 'env'], secretKeys: ['secret'], choices: { env: ['sandbox', 'production'] }, create: (config, now) => new PlaidProvider({ config, now }) },
  { name: 'ponto', displayName: 'Ponto', envPrefix: 'PONTO', keys: ['client_id', 'client_secret', 'cert', 'key', 'ca'], secretKeys: ['client_secret', 'key'], create: (config, now) => new PontoProvider({ config, now }) },
  { name: 'yodlee', displayName: 'Yodlee', envPrefix: 'YODLEE', keys: ['client_id', 'secret', 'login_name'], secretKeys: ['secret'], create: (config, now) => new YodleeProvider({ config, now }) },
  { name: 'saltedge', displayName: 'Salt Edge', envPrefix: 'SALTEDGE', keys: ['app_id', 'secret', 'private_key'], secretKeys: ['secret', 'private_key'], create: (config, now) => new SaltEdgeProvider({ config, clock: now }) },
  { name: 'enablebanking', displayName: 'Enable Banking', envPrefix: 'ENABLEBANKING', keys: ['app_id', 'private_key'], secretKeys: ['private_key'], create: (config, now) => new EnableBankingProvider({ config, now }) },
  { name: 'gocardless', displayName: 'GoCardless Bank Account Data', envPrefix: 'GOCARDLESS', keys: ['secret_id', 'secret_key'], secretKeys: ['secret_key'], create: (config, now) => new GoCardlessProvider({ config, now }) },
  { name: 'simplefin', displayName: 'SimpleFIN Bridge', envPrefix: 'SIMPLEFIN', keys: [], secretKeys: [], create: (config, now) => new SimpleFinProvider({ config, now }) },
];

/** Whether a provider key is a secret (its entry says so, or its name looks like one). */
export function isSecretKey(entry: ProviderEntry | undefined, key: string): boolean {
  return (entry?.secretKeys.includes(key) ?? false) || /secret|private|key|token|password|cert/i.test(key) && !/base_url|env|id$/i.test(key);
}
