import type { Migration } from './types';
import { migration as m0001 } from './0001-ledger';
import { migration as m0002 } from './0002-sync-tracking';
import { migration as m0003 } from './0003-lifecycle-schedule';
import { migration as m0004 } from './0004-catalog';
import { migration as m0005 } from './0005-chatter-messages';
import { migration as m0006 } from './0006-journal-history-start';
import { migration as m0007 } from './0007-application-id';
import { migration as m0008 } from './0008-ledger-identity';
import { migration as m0009 } from './0009-account-continues-journal';

/** Every migration, in order. A new one is a new file, appended here. */
export const MIGRATIONS: readonly Migration[] = [m0001, m0002, m0003, m0004, m0005, m0006, m0007, m0008, m0009];

export const LATEST_VERSION = MIGRATIONS.length;
export type { Migration };
