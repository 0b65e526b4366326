// Adapter: turns ListObjectsV2 pages into lockfile pages (URL-decoded keys, the state's LastModified beside each).
import type { _Object } from '@aws-sdk/client-s3';
import { JanitorError } from '../core/errors';
import { isLockfileKey, statePathOfLockfile } from '../core/lockfile';
import type { LockfileEntry, LockfilePage } from '../core/lockfile-port';

type Listed = { readonly key: string; readonly lastModifiedMs: number | undefined };

/**
 * Keeps only lockfiles of a bucket listing, page after page, and finds each one's state object. S3 lists keys
 * in UTF-8 byte order; every key between a state `p` and its lockfile `p.tflock` starts with `p`, so a key
 * that does not start with a remembered one ends that one's chance: only a chain of mutual prefixes is held.
 */
export class LockfileFilter {
  private readonly chain: Listed[] = [];

  /** One page: `contents` as ListObjectsV2 returned them, keys URL-encoded when `encoded`. */
  page(contents: readonly _Object[], encoded: boolean): LockfilePage {
    const lockfiles: LockfileEntry[] = [];
    for (const object of contents) {
      if (object.Key === undefined) continue;
      const key = encoded ? decodeKey(object.Key) : object.Key;
      const lastModifiedMs = object.LastModified?.getTime();
      while (this.chain.length && !key.startsWith(this.chain[this.chain.length - 1].key)) this.chain.pop();
      if (isLockfileKey(key)) {
        const state = this.stateOf(statePathOfLockfile(key));
        lockfiles.push({
          key,
          etag: object.ETag ?? '',
          lastModifiedMs,
          size: object.Size,
          ...(state === undefined ? {} : { stateLastModifiedMs: state }),
        });
      }
      this.chain.push({ key, lastModifiedMs });
    }
    return { objects: contents.length, lockfiles };
  }

  private stateOf(path: string): number | undefined {
    for (let i = this.chain.length - 1; i >= 0; i--)
      if (this.chain[i].key === path) return this.chain[i].lastModifiedMs;
    return undefined;
  }
}

/**
 * A key from a listing made with `encoding-type=url` (so keys with characters XML 1.0 cannot carry survive):
 * percent-decoded, `+` being a space as in botocore's `unquote_plus` (a literal `+` comes as `%2B`).
 */
export function decodeKey(encoded: string): string {
  try {
    return decodeURIComponent(encoded.replace(/\+/g, ' '));
  } catch (e) {
    throw new JanitorError(
      `the S3 listing returned a key that is not valid URL encoding ("${encoded.slice(0, 100)}"); is the endpoint S3-compatible?`,
      { cause: e },
    );
  }
}
