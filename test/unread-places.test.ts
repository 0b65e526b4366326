// Tests: a lone half's other half is asked for only where it may be unread; with every place read, the answer is at once.
import type { LockHalf } from '../lambda/core/lock-half';
import type { LockSource } from '../lambda/core/lock-source';
import { LockfileIndex } from '../lambda/run/lockfile-index';
import type { Sources } from '../lambda/run/sources';
import { UnreadPlaces } from '../lambda/run/unread-places';

const half: LockHalf = {
  store: 'dynamodb',
  region: 'eu-west-1',
  table: 'locks',
  item: {
    kind: 'lock',
    lockId: 'acme/app.tfstate',
    rawInfo: '{}',
    info: {
      ID: 'id-1',
      Operation: 'OperationTypeApply',
      Info: '',
      Who: 'ci',
      Version: '1.11.0',
      Created: '2026-11-26T09:00:00Z',
      Path: 'acme/app.tfstate',
    },
    createdMs: 0,
  },
};

/** The run's sources: the table store and a bucket store that says whether the lockfile half may be unread. */
function sources(asked: string[]): Sources {
  const store = (kind: 'dynamodb' | 's3') =>
    ({
      store: kind,
      partnerUnread: async (lock, view) => {
        asked.push(`${kind} ${lock.lockId}`);
        return view.places.length || view.unsettled('acme') ? `${kind} may hold it` : undefined;
      },
    }) as Pick<LockSource, 'store' | 'partnerUnread'> as LockSource;
  return { all: [store('dynamodb'), store('s3')] } as unknown as Sources;
}

describe('UnreadPlaces.partnerUnread', () => {
  it('answers at once, asking no store, while every place was read in full and no bucket is being read', () => {
    const asked: string[] = [];
    const unread = new UnreadPlaces(sources(asked), new LockfileIndex());
    expect(unread.partnerUnread(half)).toBeUndefined();
    expect(asked).toEqual([]);
  });

  it('asks the other store when one of its places was not read in full', async () => {
    const asked: string[] = [];
    const unread = new UnreadPlaces(sources(asked), new LockfileIndex());
    unread.add({ store: 's3', region: 'eu-west-1', name: 'acme' }, 'AccessDenied');
    await expect(unread.partnerUnread(half)).resolves.toBe('s3 may hold it');
    expect(asked).toEqual(['s3 acme/app.tfstate']);
  });

  it('asks the other store while a bucket is still being read, or the buckets to read are not known yet', async () => {
    const reading = new LockfileIndex();
    reading.reads('acme');
    const discovering = new LockfileIndex();
    discovering.discovering(new Promise(() => undefined));
    for (const index of [reading, discovering]) {
      const asked: string[] = [];
      await expect(new UnreadPlaces(sources(asked), index).partnerUnread(half)).resolves.toBe(
        's3 may hold it',
      );
      expect(asked).toEqual(['s3 acme/app.tfstate']);
    }
  });
});
