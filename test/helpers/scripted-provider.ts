import { ProviderError } from '../../main/providers/errors';
import type { ConnectionContext, FetchRequest, Institution, Provider, ProviderAccount, ProviderTransaction, TransactionPage } from '../../main/providers/types';

/**
 * A provider whose bank is a plain in-memory model the test edits between synchronizations:
 * posted and pending transactions per account, a balance, and a script of faults. Pages are
 * cut from the posted list (filtered on the window) with an offset cursor, like a date-window
 * API; `pendingLink` makes posted lines carry the id they had while pending (Plaid-style).
 */
export class ScriptedProvider implements Provider {
  readonly name = 'demo' as const;
  readonly displayName = 'Scripted Bank';
  accounts: (ProviderAccount & { posted: ProviderTransaction[]; pending: ProviderTransaction[] })[] = [];
  pageSize = 3;
  /** Throw this error at the next call of the named method (then forget it). */
  failNext: { method: 'fetchTransactions' | 'listAccounts' | 'requestRefresh'; error: Error; afterPages?: number } | null = null;
  /** When set, each page returns these extra already-seen lines again (repeats). */
  repeatPrevious = false;
  calls: { method: string; req?: FetchRequest }[] = [];
  private pagesServed = 0;

  async listInstitutions(): Promise<Institution[]> {
    return [{ id: 'bank', name: 'Scripted Bank', country: 'BE', beta: false, historyDays: 730, automaticSync: true }];
  }
  async startConsent(): Promise<{ url: string }> {
    return { url: 'http://127.0.0.1/unused' };
  }
  async completeConsent(): Promise<{ providerRef: string; secrets: Record<string, string> }> {
    return { providerRef: 'ref', secrets: {} };
  }
  async listAccounts(_ctx: ConnectionContext): Promise<ProviderAccount[]> {
    this.calls.push({ method: 'listAccounts' });
    this.maybeFail('listAccounts');
    return this.accounts.map(({ posted: _p, pending: _q, ...a }) => a);
  }
  async requestRefresh(): Promise<void> {
    this.calls.push({ method: 'requestRefresh' });
    this.maybeFail('requestRefresh');
  }
  async fetchTransactions(_ctx: ConnectionContext, req: FetchRequest): Promise<TransactionPage> {
    this.calls.push({ method: 'fetchTransactions', req });
    if (this.failNext?.method === 'fetchTransactions' && (this.failNext.afterPages ?? 0) <= this.pagesServed) this.maybeFail('fetchTransactions');
    const acc = this.accounts.find((a) => a.id === req.accountId);
    if (!acc) throw new ProviderError('other', `no account ${req.accountId}`);
    const c = req.cursor ? (JSON.parse(req.cursor) as { since: string; until: string; offset: number }) : { since: req.since, until: req.until, offset: 0 };
    const inWindow = acc.posted
      .filter((t) => (t.date ?? '') >= c.since && (t.date ?? '') <= c.until)
      .sort((a, b) => (a.date! < b.date! ? -1 : a.date! > b.date! ? 1 : a.id < b.id ? -1 : 1));
    const slice = inWindow.slice(c.offset, c.offset + this.pageSize);
    const again = this.repeatPrevious && c.offset > 0 ? inWindow.slice(Math.max(0, c.offset - 2), c.offset) : [];
    const next = c.offset + this.pageSize;
    const hasMore = next < inWindow.length;
    this.pagesServed++;
    return {
      posted: [...again, ...slice],
      pending: c.offset === 0 ? acc.pending : [],
      nextCursor: hasMore ? JSON.stringify({ ...c, offset: next }) : null,
      hasMore,
      pendingIsSnapshot: true,
    };
  }
  private maybeFail(method: string): void {
    if (this.failNext?.method === method) {
      const e = this.failNext.error;
      this.failNext = null;
      throw e;
    }
  }
}

export function tx(id: string, date: string, amount: string, extra: Partial<ProviderTransaction> = {}): ProviderTransaction {
  return { id, date, amount, currency: 'EUR', paymentRef: `Payment ${id}`, partnerName: 'Shop', ...extra };
}
