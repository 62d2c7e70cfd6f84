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

export function providerName(p: string): string {
  return PROVIDER_NAMES[p] ?? p;
}
