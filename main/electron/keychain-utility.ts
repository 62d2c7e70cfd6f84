// The keychain's child process inside the desktop app: Electron's utilityProcess running the
// child source of main/vault/keychain-process.ts (written to dist/electron/keychain-child.cjs by
// scripts/build-electron.ts). A `node -e` child is not possible there: the packaged app turns
// Electron's RunAsNode fuse off, so Electron cannot be started as Node.
import type { UtilityProcess, utilityProcess as electronUtilityProcess } from 'electron';
import type { KeychainChild, KeychainLauncher } from '../vault/index';

/** The file the build writes beside preload.cjs. */
export const KEYCHAIN_CHILD_FILE = 'keychain-child.cjs';

export function utilityKeychainLauncher(
  utilityProcess: Pick<typeof electronUtilityProcess, 'fork'>,
  modulePath: string,
): KeychainLauncher {
  return {
    // Resolved by the child from its own folder: node_modules of the app (unpacked from the
    // asar for keytar's native part by electron-builder).
    keytarSpecifier: 'keytar',
    start(): KeychainChild {
      const child: UtilityProcess = utilityProcess.fork(modulePath, [], { serviceName: 'Ledgerlink keychain', stdio: 'ignore' });
      let ended = false;
      return {
        send: (m) => child.postMessage(m),
        onMessage: (l) => child.on('message', (m: unknown) => l(m as Parameters<typeof l>[0])),
        onExit: (l) => {
          child.once('exit', (code: number) => {
            ended = true;
            // A crash (SIGSEGV in libsecret) shows as a non-zero code; Electron gives no signal name.
            l(`exit code ${code}`);
          });
        },
        // A utility process never keeps Electron alive on its own: nothing to do.
        ref: () => undefined,
        kill: () => {
          if (!ended) child.kill();
        },
      };
    },
  };
}
