import { checkedAddress, isAddressKey } from './base-url';
import { ProviderError } from './errors';

/**
 * Where a provider's keys and base URL come from: the environment first (`PLAID_CLIENT_ID`,
 * `PLAID_SECRET`, `PLAID_BASE_URL`, ... — the `*_BASE_URL` override points a client at a
 * simulator), then the app's Settings, whose secret values live in the vault. Addresses
 * (`base_url`, `auth_url`, `fastlink_url`) come from the environment only: see base-url.ts.
 */
export interface ProviderConfig {
  get(key: string): Promise<string | undefined>;
  /** Like get; a missing value is a ProviderError telling the user what to set. */
  require(key: string): Promise<string>;
}

export function providerConfig(
  o: {
    /** `PLAID`, `SALTEDGE`, `PONTO`, `ENABLEBANKING`, `YODLEE`, `GOCARDLESS`, `SIMPLEFIN`. */
    prefix: string;
    displayName: string;
    env?: NodeJS.ProcessEnv;
    /** The app's Settings (and vault) lookup for `key`, when the environment has nothing. */
    settings?: (key: string) => Promise<string | undefined>;
  },
): ProviderConfig {
  const env = o.env ?? process.env;
  const get = async (key: string): Promise<string | undefined> => {
    const name = `${o.prefix}_${key.toUpperCase()}`;
    const fromEnv = env[name];
    // An address comes from the environment only (and must be https): a base URL in Settings,
    // even one an older version stored, would let any API client send the secrets elsewhere.
    if (isAddressKey(key)) return fromEnv === undefined || fromEnv === '' ? undefined : checkedAddress(name, fromEnv, o.displayName);
    if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
    return o.settings?.(key);
  };
  return {
    get,
    async require(key) {
      const v = await get(key);
      if (v === undefined || v === '') {
        throw new ProviderError('other', `${o.displayName} is not configured: ${o.prefix}_${key.toUpperCase()} is missing`, {
          description: `${o.displayName} is not set up yet: enter its ${key.replace(/_/g, ' ')} in Settings (or set ${o.prefix}_${key.toUpperCase()}).`,
          providerCode: 'NOT_CONFIGURED',
        });
      }
      return v;
    },
  };
}

/** A config from a plain object (tests): its values count as the environment's, addresses included. */
export function staticConfig(displayName: string, values: Record<string, string>): ProviderConfig {
  const env = Object.fromEntries(Object.entries(values).map(([k, v]) => [`UNUSED_${k.toUpperCase()}`, v]));
  return providerConfig({ prefix: 'UNUSED', displayName, env });
}
