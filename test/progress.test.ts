// Tests: the CLI's progress line counts what the stores read, and is cleared at the end; none without a terminal.

import { progressLine, withProgress } from '../bin/progress';
import { DynamoLockStore } from '../lambda/adapters/dynamo-lock-store';
import { MemoryStateStore } from '../lambda/adapters/memory-state-store';
import { parsePolicy } from '../lambda/core/policy';
import { sweep } from '../lambda/run/sweep';
import { createLockTable, putItems, testClient, uniqueName } from './support/dynamo';
import { lockAged } from './support/janitor';

const client = testClient();
afterAll(() => client.destroy());

describe('the progress line', () => {
  it.each([
    [{ found: 1, done: 0, items: 1, locks: 1 }, 0, '0/1 place read, 1 item, 1 lock, 0s'],
    [{ found: 7, done: 3, items: 120000, locks: 12 }, 6400, '3/7 places read, 120,000 items, 12 locks, 6s'],
  ])('says %j at %i ms as %s', (progress, ms, line) => {
    expect(progressLine(progress, ms)).toBe(line);
  });

  it('counts the places, items and locks a run reads, and clears itself when done', async () => {
    // Prepare: two lock tables, three locks and a digest.
    const prefix = uniqueName('progress');
    await createLockTable(client, `${prefix}-a`);
    await createLockTable(client, `${prefix}-b`);
    await putItems(client, `${prefix}-a`, [lockAged('a.tfstate', 0), lockAged('b.tfstate', 0)]);
    await putItems(client, `${prefix}-b`, [
      lockAged('c.tfstate', 0),
      { LockID: { S: 'acme/c.tfstate-md5' }, Digest: { S: 'x' } },
    ]);
    const drawn: string[] = [];
    const store = new DynamoLockStore(client, 'us-east-1');
    // Act
    const { options, done, progress } = withProgress(
      {
        policy: parsePolicy({ tables: { include: [`${prefix}-*`] } }),
        regions: ['us-east-1'],
        lockStores: () => store,
        state: new MemoryStateStore({ singleRun: true }),
        now: new Date(),
        runId: 'progress',
      },
      (line) => drawn.push(line),
    );
    const report = await sweep(options);
    done();
    // Assess: the run is the same; the counts are the run's; the first line is drawn at once, `done` clears it.
    expect(report.counts.locks).toBe(3);
    expect(progress).toEqual({ found: 2, done: 2, items: 4, locks: 3 });
    expect(drawn[0]).toMatch(/^0\/0 places read, 0 items, 0 locks, \ds$/);
    expect(drawn.at(-1)).toBe('');
  });

  it('leaves the run alone when there is no terminal to draw on', () => {
    const options = {
      policy: parsePolicy({}),
      regions: ['us-east-1'],
      lockStores: () => new DynamoLockStore(client, 'us-east-1'),
      state: new MemoryStateStore({ singleRun: true }),
      now: new Date(),
      runId: 'quiet',
    };
    expect(withProgress(options, undefined).options).toBe(options);
  });
});
