// Tests: the release payload names every place a lock is held, and the account in an organization.
import { releasePayloadJson } from '../lambda/core/message/invoke';
import { renderMessages } from '../lambda/core/message/sns';
import { parseEvent } from '../lambda/events';
import { lockReport, runReport } from './support/reports';

const base = { region: 'eu-west-1', id: '3d5f0c2a-9b71-e4c8-1a6d-7f20b9e4c513' };

describe('the release payload', () => {
  it.each([
    [
      'a lock item',
      { ...base, table: 'tf-locks', lockId: 'acme/env:/ci/app.tfstate' },
      { table: 'tf-locks', lockId: 'acme/env:/ci/app.tfstate' },
    ],
    [
      'a lockfile',
      {
        ...base,
        store: 's3' as const,
        table: 's3://acme',
        lockId: 'acme/app.tfstate',
        bucket: 'acme',
        key: 'app.tfstate.tflock',
      },
      { bucket: 'acme', key: 'app.tfstate.tflock' },
    ],
    [
      'both halves of a double lock',
      {
        ...base,
        store: 'dynamodb' as const,
        double: true,
        table: 'tf-locks',
        lockId: 'acme/env:/ci/app.tfstate',
      },
      {
        table: 'tf-locks',
        lockId: 'acme/env:/ci/app.tfstate',
        bucket: 'acme',
        key: 'env:/ci/app.tfstate.tflock',
      },
    ],
  ])('names %s, and the handler reads it back', (_name, lock, places) => {
    const event = parseEvent(JSON.parse(releasePayloadJson(lock, 'chat')));
    expect(event).toEqual({
      kind: 'release',
      payload: { ...places, id: base.id, region: 'eu-west-1', requestedBy: 'chat' },
    });
  });

  it("names the account and the janitor's own region for the central release function of an organization", () => {
    const json = JSON.parse(
      releasePayloadJson({ ...base, table: 't', lockId: 'a/b', region: 'us-east-1' }, 'chat', {
        id: '123456789012',
        janitorRegion: 'eu-west-1',
      }),
    );
    expect(json.release).toMatchObject({
      account: '123456789012',
      janitorRegion: 'eu-west-1',
      region: 'us-east-1',
    });
  });
});

describe('messages in an organization', () => {
  it('say which account the lock is in: subject, e-mail and every chat notification', () => {
    const report = runReport([lockReport({ table: 'tf-locks', lockId: 'acme/app.tfstate', id: base.id })], {
      tables: [],
    });
    const janitor = {
      functionName: 'tf-lock-janitor',
      region: 'eu-west-1',
      canRelease: true,
      account: { id: '123456789012', alias: 'payments-prod' },
    };
    const [run, ...chats] = renderMessages(report, { janitor });
    expect(run.subject).toMatch(/^\[123456789012 \(payments-prod\)\] tf-lock-janitor/);
    expect(run.text).toMatch(/^Account 123456789012 \(payments-prod\)\n/);
    expect(chats.length).toBeGreaterThan(0);
    for (const chat of chats) {
      expect(chat.chat.content.title).toMatch(/^\[123456789012 \(payments-prod\)\]/);
      const payload = JSON.parse(
        Buffer.from(chat.chat.metadata.additionalContext.releasePayload, 'base64').toString(),
      );
      expect(payload.release).toMatchObject({ account: '123456789012', table: 'tf-locks' });
    }
  });
});
