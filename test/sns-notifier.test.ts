// Tests: the SNS notifier against the service rules.
import { InvalidParameterException, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { SnsNotifier } from '../lambda/adapters/sns-notifier';
import { renderMessage } from '../lambda/core/message/sns';
import type { LockReport, RunReport } from '../lambda/core/report';
import { publishNews } from '../lambda/run/notify';
import { lockReport, runReport } from './support/reports';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:tf-lock-janitor';
const sns = mockClient(SNSClient);

function lock(i: number, overrides: Partial<LockReport> = {}): LockReport {
  return lockReport({
    lockId: `acme-tfstate/env:/staging/svc-${i}/terraform.tfstate`,
    id: `3d5f0c2a-9b71-e4c8-1a6d-${String(i).padStart(12, '0')}`,
    operation: 'OperationTypePlan',
    who: 'ELECTRO\\victorsh@LOGRUS',
    rule: 'ci-plans',
    reason: 'rule "ci-plans": age 2h >= alertAfter 30m',
    ...overrides,
  });
}

const report = (locks: LockReport[]): RunReport => runReport(locks);

const nasty = (i: number): LockReport =>
  lock(i, {
    table: `locks\n🔒 ${'ü'.repeat(200)}`,
    lockId: `acme/${'it\'s "$HOME" \\ 🚀 \u202E\u0001'.repeat(100)}${i}`.padEnd(2000, 'x'),
  });

beforeEach(() => sns.reset());

describe('SnsNotifier', () => {
  it.each<[string, LockReport[]]>([
    ['one stale lock', [lock(1)]],
    ['500 stale locks', Array.from({ length: 500 }, (_, i) => lock(i))],
    [
      '5,000 locks with nasty 2,000-character LockIDs and table names',
      Array.from({ length: 5000 }, (_, i) => nasty(i)),
    ],
  ])(
    'publishes %s: one run message, then one chat notification per lock (capped), within the SNS rules',
    async (_name, locks) => {
      sns.on(PublishCommand).resolves({ MessageId: 'm-1' });

      const notifier = new SnsNotifier(new SNSClient({ region: 'eu-west-1' }), TOPIC);
      const render = { janitor: { functionName: 'tf-lock-janitor', region: 'eu-west-1', canRelease: true } };
      await expect(publishNews(notifier, report(locks), { render })).resolves.toEqual({
        notification: { sent: true },
        failures: [],
      });

      const inputs = sns.commandCalls(PublishCommand).map((c) => c.args[0].input);
      const perLock = Math.min(locks.length, 10);
      expect(inputs).toHaveLength(1 + perLock + (locks.length > 10 ? 1 : 0));
      for (const input of inputs) {
        expect(input.TopicArn).toBe(TOPIC);
        expect(input.Subject).toMatch(/^[\x20-\x7e]{1,99}$/);
        expect(Buffer.byteLength(input.Message ?? '', 'utf8')).toBeLessThanOrEqual(262_144);
      }
      // The run message: e-mail and chat in one JSON-structured publish, for everyone.
      const [run, ...chats] = inputs;
      expect(run.MessageStructure).toBe('json');
      expect(run.MessageAttributes).toEqual({ audience: { DataType: 'String', StringValue: 'all' } });
      const body = JSON.parse(run.Message ?? '');
      expect(typeof body.default).toBe('string');
      expect(typeof body.email).toBe('string');
      expect(JSON.parse(body.https)).toMatchObject({ version: '1.0', source: 'custom' });
      // The chat-only notifications: plain messages (so SNS keeps their attribute), the notification itself.
      for (const input of chats) {
        expect(input.MessageStructure).toBeUndefined();
        expect(input.MessageAttributes).toEqual({ audience: { DataType: 'String', StringValue: 'chat' } });
        expect(JSON.parse(input.Message ?? '')).toMatchObject({ version: '1.0', source: 'custom' });
      }
      const events = chats.map((c) => JSON.parse(c.Message ?? '').metadata.eventType);
      expect(events.slice(0, perLock).every((e) => e === 'TfLockJanitorStaleLock')).toBe(true);
      if (locks.length > 10) expect(events.at(-1)).toBe('TfLockJanitorNews');
    },
  );

  it('publishes nothing when the run has no news', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const quiet = report([
      lock(1, { notify: false }),
      lock(2, { decision: 'keep', outcome: 'kept', notify: false }),
    ]);

    const notifier = new SnsNotifier(new SNSClient({ region: 'eu-west-1' }), TOPIC);
    await expect(publishNews(notifier, quiet)).resolves.toEqual({
      notification: { sent: false },
      failures: [],
    });
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });

  it('lets an SNS error reach the caller', async () => {
    sns
      .on(PublishCommand)
      .rejects(new InvalidParameterException({ message: 'Invalid parameter: Subject', $metadata: {} }));

    await expect(
      new SnsNotifier(new SNSClient({ region: 'eu-west-1' }), TOPIC).publish(
        renderMessage(report([lock(1)])),
      ),
    ).rejects.toThrow('Invalid parameter: Subject');
  });
});
