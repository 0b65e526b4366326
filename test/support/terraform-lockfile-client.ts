// Test support: a Terraform-faithful S3 lockfile client (use_lockfile = true).
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { LockInfo } from '../../lambda/core/lock-item';

/** What Unlock() found and did; `released` means its unconditional DeleteObject ran. */
export type LockfileUnlockResult =
  | { readonly outcome: 'released' }
  | { readonly outcome: 'missing' }
  | { readonly outcome: 'mismatch'; readonly heldInfo: string };

/**
 * A lock client that does on the wire what Terraform's S3 backend does with `use_lockfile = true`
 * (hashicorp/terraform internal/backend/remote-state/s3/client.go lockWithFile / unlockWithFile; OpenTofu's
 * s3Lock / s3Unlock are the same): the lockfile is `<state path>.tflock`, its body the LockInfo JSON.
 */
export class TerraformLockfileClient {
  constructor(private readonly client: S3Client) {}

  /**
   * Lock(): one PutObject of the LockInfo with `If-None-Match: *` and `Content-Type: application/json`; false
   * when a lockfile is already there (412 PreconditionFailed, or 409 under a concurrent conditional write).
   */
  async lock(bucket: string, statePath: string, info: string): Promise<boolean> {
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: `${statePath}.tflock`,
          Body: info,
          ContentType: 'application/json',
          IfNoneMatch: '*',
        }),
      );
      return true;
    } catch (e) {
      const name = (e as Error).name;
      if (name === 'PreconditionFailed' || name === 'ConditionalRequestConflict') return false;
      throw e;
    }
  }

  /**
   * Unlock(id): GetObject the lockfile, the held `ID` must equal `id`, then an unconditional DeleteObject (no
   * If-Match, no VersionId). `betweenReadAndDelete` lets a test act in the gap Terraform leaves there.
   */
  async unlock(
    bucket: string,
    statePath: string,
    id: string,
    betweenReadAndDelete?: () => Promise<void>,
  ): Promise<LockfileUnlockResult> {
    const key = `${statePath}.tflock`;
    let heldInfo: string;
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      heldInfo = (await out.Body?.transformToString('utf-8')) ?? '';
    } catch (e) {
      if ((e as Error).name === 'NoSuchKey') return { outcome: 'missing' };
      throw e;
    }
    // Terraform: "lock ID '<id>' does not match the existing lock ID '<held>'".
    if ((JSON.parse(heldInfo) as LockInfo).ID !== id) return { outcome: 'mismatch', heldInfo };
    await betweenReadAndDelete?.();
    await this.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    return { outcome: 'released' };
  }
}
