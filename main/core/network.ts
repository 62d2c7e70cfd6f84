import { networkInterfaces } from 'node:os';

/**
 * Whether this computer has a network at all: some interface other than loopback is up with
 * an address. The same signal browsers use for navigator.onLine; a bank that is down but
 * reachable shows as a provider error instead, and backs off.
 */
export function hasNetwork(interfaces = networkInterfaces()): boolean {
  return Object.values(interfaces).some((list) => (list ?? []).some((i) => !i.internal && i.address !== ''));
}
