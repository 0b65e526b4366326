// Tests: what the Lambda's messages offer a person: the commands, the per-lock chat notifications, the button's payload.
import type { ChatNotification } from '../lambda/core/message/chat';
import { MAX_LOCK_NOTIFICATIONS } from '../lambda/core/message/chat-lock';
import type { JanitorFunction } from '../lambda/core/message/invoke';
import { renderMessage, renderMessages } from '../lambda/core/message/sns';
import { releaseAnswer } from '../lambda/core/release';
import type { LockReport, RunReport } from '../lambda/core/report';
import { lockReport, runReport } from './support/reports';

const ID = '3d5f0c2a-9b71-e4c8-1a6d-7f20b9e4c513';
const LOCK_ID = 'acme-tfstate/env:/staging/network/terraform.tfstate';
const JANITOR: JanitorFunction = { functionName: 'tf-lock-janitor', region: 'eu-west-1', canRelease: true };
const INVOKE =
  'aws lambda invoke --function-name tf-lock-janitor --region eu-west-1 --cli-binary-format raw-in-base64-out --payload';

function lock(overrides: Partial<LockReport> = {}): LockReport {
  return lockReport({
    lockId: LOCK_ID,
    id: ID,
    ageSeconds: 5 * 3600,
    reason: 'rule "default": age 5h >= alertAfter 4h',
    ...overrides,
  });
}

function report(locks: LockReport[]): RunReport {
  return runReport(locks, { tables: [] });
}

const payloadOf = (chat: ChatNotification) =>
  JSON.parse(Buffer.from(chat.metadata.additionalContext.releasePayload, 'base64').toString('utf8'));

describe('the e-mail of the Lambda', () => {
  it('shows terraform force-unlock with its workspace and the invoke of this very janitor, never the CLI', () => {
    const { text } = renderMessage(report([lock()]), { janitor: JANITOR });
    expect(text).toContain(
      'after `terraform workspace select staging`:\n        terraform force-unlock 3d5f0c2a',
    );
    const payload = `{"release":{"table":"acme-tf-locks","lockId":"${LOCK_ID}","id":"${ID}","region":"eu-west-1","requestedBy":"e-mail"}}`;
    expect(text).toContain(`        ${INVOKE} '${payload}' /dev/stdout`);
    expect(text).not.toMatch(/npx|tf-lock-janitor release/);
  });

  it.each([
    ['quotes, $ and backticks', `b/it's "$HOME" \`id\``, "b/it'\\''s \\\"$HOME\\\" `id`"],
    ['a newline and a bidi override', 'b/a\n\u202eb', String.raw`b/a\n\u202eb`],
    ['unicode', 'b/é🔒', String.raw`b/\u00e9\ud83d\udd12`],
  ])(
    'shows the invoke even for a LockID with %s (JSON escapes it to printable ASCII)',
    (_name, lockId, shown) => {
      const { text } = renderMessage(report([lock({ lockId })]), { janitor: JANITOR });
      expect(text).toContain(`"lockId":"${shown}"`);
    },
  );

  it('offers no release through a janitor that may not delete, and says how to allow it', () => {
    const { text } = renderMessage(report([lock()]), { janitor: { ...JANITOR, canRelease: false } });
    expect(text).toContain('terraform force-unlock');
    expect(text).not.toContain('aws lambda invoke');
    expect(text).toContain('(no release through the janitor: this janitor may not delete locks');
    expect(text).toContain('-c allowRelease=true');
  });

  it('shows the CLI release when the CLI sends it (no deployed function named)', () => {
    const { text } = renderMessage(report([lock()]));
    expect(text).toContain(`tf-lock-janitor release --table=acme-tf-locks --state-path=${LOCK_ID}`);
    expect(text).not.toContain('aws lambda invoke');
  });
});

describe('the chat notifications of a run', () => {
  it('are the run message for everyone, then one chat-only stale-lock notification with the button payload', () => {
    const [run, stale, ...rest] = renderMessages(report([lock()]), { janitor: JANITOR });
    expect(rest).toEqual([]);
    expect(run).toMatchObject({ audience: 'all', structure: 'json' });
    expect(run.chat.metadata.eventType).toBe('TfLockJanitorNews');
    expect(stale).toMatchObject({ audience: 'chat', structure: 'string' });
    expect(JSON.parse(stale.json)).toEqual(stale.chat);
    expect(stale.chat.metadata).toMatchObject({
      eventType: 'TfLockJanitorStaleLock',
      threadId: 'tf-lock-janitor/eu-west-1/acme-tf-locks',
      enableCustomActions: true,
      additionalContext: { lockId: LOCK_ID, id: ID, region: 'eu-west-1', table: 'acme-tf-locks' },
    });
    expect(stale.chat.metadata.additionalContext.releasePayload).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
    expect(payloadOf(stale.chat)).toEqual({
      release: { table: 'acme-tf-locks', lockId: LOCK_ID, id: ID, region: 'eu-west-1', requestedBy: 'chat' },
    });
    const steps = stale.chat.content.nextSteps;
    expect(steps).toHaveLength(4);
    expect(steps[1]).toBe(
      `Then, in its root module (workspace \`staging\`): \`terraform force-unlock ${ID}\``,
    );
    expect(steps[2]).toMatch(/^Or press \*Release lock\*/);
    expect(steps[3]).toContain(`Or from any shell: \`${INVOKE} '{"release":`);
    expect(steps[3]).toContain('"requestedBy":"chat message"');
  });

  it('put each lock in its table thread, cap them per run, and count the rest in one summary', () => {
    const locks = Array.from({ length: 13 }, (_, i) =>
      lock({ table: i % 2 ? 'b-locks' : 'a-locks', lockId: `s/k${i}`, id: `id-${i}` }),
    );
    const [, ...chats] = renderMessages(report(locks), { janitor: JANITOR });
    expect(chats).toHaveLength(MAX_LOCK_NOTIFICATIONS + 1);
    const perLock = chats.slice(0, MAX_LOCK_NOTIFICATIONS).map((m) => m.chat.metadata);
    expect(new Set(perLock.map((m) => m.threadId))).toEqual(
      new Set(['tf-lock-janitor/eu-west-1/a-locks', 'tf-lock-janitor/eu-west-1/b-locks']),
    );
    expect(perLock.every((m) => m.eventType === 'TfLockJanitorStaleLock')).toBe(true);
    const summary = chats[MAX_LOCK_NOTIFICATIONS];
    expect(summary.audience).toBe('chat');
    expect(summary.chat.metadata).toMatchObject({
      eventType: 'TfLockJanitorNews',
      threadId: 'tf-lock-janitor/eu-west-1',
    });
    expect(summary.chat.metadata.additionalContext.releasePayload).toBeUndefined();
    expect(summary.chat.content.title).toBe('⚠️ tf-lock-janitor: 3 more locks need a person');
    expect(summary.chat.content.description.split('\n')).toHaveLength(3);
  });

  it('carry no payload when the janitor may not delete, and only locks that need a person get one', () => {
    const locks = [
      lock(),
      lock({ lockId: 's/deleted', decision: 'delete', outcome: 'deleted' }),
      lock({ lockId: 's/failed', decision: 'delete', outcome: 'failed' }),
    ];
    const chats = renderMessages(report(locks), { janitor: { ...JANITOR, canRelease: false } }).slice(1);
    expect(chats.map((m) => m.chat.metadata.additionalContext.lockId)).toEqual(['s/failed', LOCK_ID]);
    expect(chats[0].chat.content.title).toBe('🚨 Delete failed: s/failed');
    for (const m of chats) {
      expect(m.chat.metadata.additionalContext.releasePayload).toBeUndefined();
      expect(m.chat.metadata.enableCustomActions).toBeUndefined();
      expect(m.chat.content.nextSteps.at(-1)).toMatch(/^No safe release: this janitor may not delete locks/);
    }
  });

  it('name an S3 lockfile as s3://bucket/key when the lock has one', () => {
    const s3 = { ...lock(), bucket: 'acme-tfstate', key: 'env:/staging/network/terraform.tfstate.tflock' };
    const [, stale] = renderMessages(report([s3]), { janitor: JANITOR });
    expect(stale.chat.content.description.split('\n')[0]).toBe(
      '*eu-west-1 / s3://acme-tfstate/env:/staging/network/terraform.tfstate.tflock*',
    );
    expect(stale.chat.metadata.additionalContext).toMatchObject({ bucket: 'acme-tfstate', key: s3.key });
  });

  it('are nothing at all when the run has no news', () => {
    expect(renderMessages(report([lock({ notify: false })]), { janitor: JANITOR })).toEqual([]);
  });
});

describe('the answer to a release invoke', () => {
  it.each([
    ['released', 'released t (eu-west-1) s/k (ID x)', [], true, 'released t (eu-west-1) s/k (ID x)'],
    ['id-mismatch', 'lock ID "x" does not match', [], false, 'lock ID "x" does not match'],
    [
      'released',
      'released',
      [{}],
      true,
      "released; 1 problem after it (see the janitor's log for request r-1)",
    ],
  ] as const)('is small and readable (%s)', (outcome, message, failures, released, reason) => {
    const answer = releaseAnswer(
      { region: 'eu-west-1', table: 't', lockId: 's/k', id: 'x' },
      { outcome, message, failures },
      'r-1',
    );
    expect(answer).toEqual({
      released,
      outcome,
      reason,
      where: { region: 'eu-west-1', table: 't', lockId: 's/k' },
      id: 'x',
      runId: 'r-1',
    });
  });
});
