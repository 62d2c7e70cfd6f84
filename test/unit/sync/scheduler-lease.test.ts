// A process killed while it held a connection's lease must not keep the user waiting for the
// lease to lapse: a lease whose owner no longer exists on this computer is taken over.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { LeaseBusyError, ownerIsGone } from '../../../main/sync/scheduler';
import { schedulerSetup } from './scheduler-fixture';

function holdLease(s: ReturnType<typeof schedulerSetup>, owner: string): void {
  const until = new Date(s.clock.ms + 3_600_000).toISOString();
  s.db.prepare('UPDATE connections SET lease_owner = ?, lease_until = ?').run(owner, until);
}

test('a lease held by a process that has ended is taken over at once', async (t) => {
  const s = schedulerSetup();
  t.after(s.cleanup);
  const ended = spawnSync(process.execPath, ['-e', '0']);
  const deadOwner = `${hostname()}:${ended.pid}:dead`;
  assert.equal(ownerIsGone(deadOwner), true);
  holdLease(s, deadOwner);
  const sched = s.scheduler();
  const [r] = await sched.syncNow([s.ids[0]!]);
  assert.equal(r!.ok, true, 'the sync ran instead of reporting the connection busy');
});

test('a lease held by a live process, or by another computer, is respected', async (t) => {
  const s = schedulerSetup();
  t.after(s.cleanup);
  const alive = spawn('sleep', ['30']);
  t.after(() => alive.kill('SIGKILL'));
  const liveOwner = `${hostname()}:${alive.pid}:live`;
  assert.equal(ownerIsGone(liveOwner), false);
  assert.equal(ownerIsGone('another-host:1:x'), false, 'a pid of another computer says nothing here');
  holdLease(s, liveOwner);
  const sched = s.scheduler();
  await assert.rejects(sched.withLease(s.ids[0]!, async () => 1), (e: unknown) => e instanceof LeaseBusyError);
});
