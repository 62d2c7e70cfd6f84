// Display names of the providers (the catalog gives their short names).
export const PROVIDER_NAMES: Record<string, string> = {
  demo: 'Demo Bank',
  plaid: 'Plaid',
  ponto: 'Ponto',
  yodlee: 'Yodlee',
  saltedge: 'Salt Edge',
  enablebanking: 'Enable Banking',
  gocardless: 'GoCardless Bank Account Data',
  simplefin: 'SimpleFIN Bridge',
};

/** The keys each provider takes in Settings (provider.NAME.KEY). */
export const PROVIDER_KEYS: Record<string, string[]> = {
  plaid: ['client_id', 'secret', 'env'],
  ponto: ['client_id', 'client_secret', 'cert', 'key', 'ca'],
  yodlee: ['client_id', 'secret', 'login_name'],
  saltedge: ['app_id', 'secret', 'private_key'],
  enablebanking: ['app_id', 'private_key'],
  gocardless: ['secret_id', 'secret_key'],
};

export function providerName(p: string): string {
  return PROVIDER_NAMES[p] ?? p;
}
