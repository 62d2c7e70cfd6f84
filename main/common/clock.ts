// The one place in main/ that reads the wall clock. Everything else is handed a clock
// (`now: () => Date`: Core's option, ConnectionContext.now, a provider's `now` option), so a
// simulated clock (the CLI's LEDGERLINK_NOW, the tests' FakeClock) is seen the same way
// everywhere: a rate limit's "retry at" is that clock plus the delay, never the host's time.
// Elapsed time (time-outs, a pinned clock advancing) is measured with performance.now(),
// which is monotonic and says nothing about the date. Lint keeps it so (eslint.config.js).

/** The real clock: the default of every `now` option. */
export const systemClock = (): Date => new Date();
