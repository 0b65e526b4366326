// Tests: the test alert: its payload, its labelled message and chat shape, its publish on moto, its button refused.

import { randomUUID } from 'node:crypto';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { UsageError } from '../lambda/core/errors';
import { sanitizeSubject } from '../lambda/core/message/sns';
import {
  isTestRelease,
  renderTestAlert,
  TEST_ALERT_SUBJECT,
  TEST_ALERT_TABLE,
  TEST_RELEASE_REFUSAL,
} from '../lambda/core/message/test-alert';
import { parseEvent } from '../lambda/events';
import { EMAIL_FILTER_POLICY } from '../lib/janitor-alerts';
import { endpoint } from './support/dynamo';
import { startFaultProxy } from './support/fault-proxy';
import { MOTO_MISSING, type Moto, motoAvailable, startMoto } from './support/moto';
import { subscribeQueue } from './support/sns-queue';

const fs = jest.requireActual<typeof import('node:fs')>('node:fs');
const janitor = { functionName: 'tf-lock-janitor', region: 'eu-west-1', canRelease: true };
const request = {
  janitor,
  requestId: 'req-1',
  at: '2026-12-06T12:00:00.000Z',
  requestedBy: 'ops@example.com',
};

/** The chat notification's decoded release payload. */
function decodedPayload(chat: { metadata: { additionalContext: Record<string, string> } }): unknown {
  return JSON.parse(Buffer.from(chat.metadata.additionalContext.releasePayload, 'base64').toString('utf8'));
}

describe('the test-alert event', () => {
  it.each([
    [{ testAlert: {} }, {}],
    [{ testAlert: null }, {}],
    [{ testAlert: { requestedBy: 'ops' } }, { requestedBy: 'ops' }],
  ])('routes %j to one test notification', (event, payload) => {
    expect(parseEvent(event)).toEqual({ kind: 'test-alert', payload });
  });

  it.each([
    ['an unknown field', { testAlert: { force: true } }, /testAlert: .*"force"/],
    ['another key beside it', { testAlert: {}, force: true }, /holds only "testAlert"; remove "force"/],
    ['a mis-cased key', { TestAlert: {} }, /did you mean "testAlert"/],
    ['a requestedBy that is not text', { testAlert: { requestedBy: 7 } }, /testAlert\.requestedBy/],
  ])('rejects %s instead of sweeping', (_name, event, message) => {
    expect(() => parseEvent(event)).toThrow(UsageError);
    expect(() => parseEvent(event)).toThrow(message);
  });
});

describe('the test notification', () => {
  it('is labelled a test in its subject, its text and its chat title, and says nothing is stale', () => {
    const message = renderTestAlert(request);
    expect(message.subject).toBe(TEST_ALERT_SUBJECT);
    expect(sanitizeSubject(message.subject)).toBe(message.subject);
    expect(message.audience).toBe('all');
    expect(message.text.split('\n')[0]).toBe(
      'TEST: this is a tf-lock-janitor test alert. No lock is stale and nothing was changed.',
    );
    expect(message.text).toContain('"ops@example.com" (as the caller says)');
    expect(message.chat.content.title).toMatch(/^🧪 TEST: /);
    const json = JSON.parse(message.json) as Record<string, string>;
    expect(Object.keys(json).sort()).toEqual(['default', 'email', 'https']);
    expect(json.default).toBe(message.text);
    expect(JSON.parse(json.https)).toEqual(message.chat);
  });

  it('carries a Release button payload in chat that names no real lock, and that the handler reads as a release', () => {
    const { chat } = renderTestAlert(request);
    expect(chat).toMatchObject({
      version: '1.0',
      source: 'custom',
      metadata: { enableCustomActions: true, eventType: 'TfLockJanitorTestAlert' },
    });
    const payload = decodedPayload(chat);
    expect(payload).toEqual({
      release: {
        table: TEST_ALERT_TABLE,
        lockId: expect.any(String),
        id: expect.stringMatching(/^test-alert-req-1[.>?]+$/),
        region: 'eu-west-1',
        requestedBy: 'chat',
      },
    });
    // A DynamoDB table name holds only [a-zA-Z0-9_.-]: no real table can be the one named.
    expect(TEST_ALERT_TABLE).not.toMatch(/^[a-zA-Z0-9_.-]{3,255}$/);
    const parsed = parseEvent(payload);
    expect(parsed.kind).toBe('release');
    expect(parsed.kind === 'release' && isTestRelease(parsed.payload)).toBe(true);
  });

  it('makes the button payload hold +, / and = (whatever the request id), so a press shows chat keeps all three', () => {
    for (let i = 0; i < 300; i++) {
      const requestId = i % 2 ? randomUUID() : `req-${i}`;
      const { chat } = renderTestAlert({ ...request, requestId });
      const payload = chat.metadata.additionalContext.releasePayload;
      expect([payload.includes('+'), payload.includes('/'), payload.endsWith('=')]).toEqual([
        true,
        true,
        true,
      ]);
      const { release } = decodedPayload(chat) as { release: { id: string; table: string } };
      expect(release.id).toMatch(new RegExp(`^test-alert-${requestId}[.>?]{2,9}$`));
      expect(release.table).toBe(TEST_ALERT_TABLE);
    }
  });

  it('has no button when the janitor cannot release, and says why', () => {
    const message = renderTestAlert({ ...request, janitor: { ...janitor, canRelease: false } });
    expect(message.chat.metadata.enableCustomActions).toBeUndefined();
    expect(message.chat.metadata.additionalContext.releasePayload).toBeUndefined();
    expect(message.text).toContain('No Release button: this janitor may not delete locks');
  });

  it('treats no real release as the test one', () => {
    expect(isTestRelease({ table: 'tf-locks' })).toBe(false);
    expect(isTestRelease({})).toBe(false);
  });
});

const runMoto = motoAvailable();
if (!runMoto) console.warn(MOTO_MISSING);

(runMoto ? describe : describe.skip)(
  'the handler publishes the test alert on moto and refuses its button',
  () => {
    const savedEnv = { ...process.env };
    let moto: Moto;
    let sns: SNSClient;

    beforeAll(async () => {
      moto = await startMoto();
      sns = new SNSClient({ region: 'us-east-1', endpoint: moto.endpoint });
    }, 60_000);
    afterEach(() => {
      process.env = { ...savedEnv };
    });
    afterAll(async () => {
      sns?.destroy();
      await moto?.stop();
    });

    async function coldInvoke(event: unknown): Promise<{ error?: Error; result?: unknown; lines: string[] }> {
      const lines: string[] = [];
      const realWriteSync = fs.writeSync;
      const spy = jest.spyOn(fs, 'writeSync').mockImplementation(((
        fd: number,
        data: string,
        ...rest: never[]
      ) => {
        if (fd !== 1) return realWriteSync(fd, data, ...rest);
        lines.push(String(data));
        return Buffer.byteLength(String(data));
      }) as typeof fs.writeSync);
      try {
        let mod: typeof import('../lambda/handler') | undefined;
        jest.isolateModules(() => {
          mod = require('../lambda/handler');
        });
        const context = {
          awsRequestId: 'req-7',
          getRemainingTimeInMillis: () => 60_000,
        } as unknown as Context;
        return { result: await mod!.handler(event, context), lines };
      } catch (e) {
        return { error: e as Error, lines };
      } finally {
        spy.mockRestore();
      }
    }

    it('publishes one labelled message that e-mail and chat both get, then refuses its button without a DynamoDB call', async () => {
      // Prepare
      const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'janitor-test-alert' }));
      const email = await subscribeQueue(moto, sns, TopicArn!, 'test-alert-email', EMAIL_FILTER_POLICY);
      const chat = await subscribeQueue(moto, sns, TopicArn!, 'test-alert-chat');
      const dynamo = await startFaultProxy(endpoint(), () => undefined);
      Object.assign(process.env, {
        POLICY: '{"mode":"alert"}',
        RELEASE_ALLOWED: 'true',
        TOPIC_ARN: TopicArn,
        AWS_LAMBDA_FUNCTION_NAME: 'tf-lock-janitor',
        AWS_ENDPOINT_URL_SNS: moto.endpoint,
        AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      });

      // Act
      const published = await coldInvoke({ testAlert: { requestedBy: 'ops' } });

      // Assess
      expect(published.error).toBeUndefined();
      expect(published.result).toEqual({
        testAlert: {
          published: true,
          topicArn: TopicArn,
          subject: TEST_ALERT_SUBJECT,
          releaseButton: true,
          runId: 'req-7',
        },
      });
      for (const read of [email, chat]) {
        const got = await read();
        expect(got).toHaveLength(1);
        expect(got[0].Subject).toBe(TEST_ALERT_SUBJECT);
        expect(got[0].Message).toMatch(/^TEST: this is a tf-lock-janitor test alert/);
      }
      const message = renderTestAlert({ janitor, requestId: 'req-7', at: 'x' });
      const refusal = await coldInvoke(decodedPayload(message.chat));
      expect(refusal.error).toBeUndefined();
      expect(refusal.result).toMatchObject({
        released: false,
        outcome: 'not-found',
        reason: TEST_RELEASE_REFUSAL,
      });
      expect(dynamo.calls).toEqual([]);
      expect(refusal.lines.join('')).toContain('"message":"test release refused"');
      await dynamo.close();
    });

    it('refuses the button the same way in mode alert without allowRelease (no usage error, nothing read)', async () => {
      Object.assign(process.env, {
        POLICY: '{"mode":"alert"}',
        AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:9',
      });
      const { chat } = renderTestAlert({ janitor, requestId: 'req-7', at: 'x' });
      const { error, result } = await coldInvoke(decodedPayload(chat));
      expect(error).toBeUndefined();
      expect(result).toMatchObject({ released: false, reason: TEST_RELEASE_REFUSAL });
    });

    it('fails the invocation when SNS refuses the publish (no such topic), so the caller sees it', async () => {
      Object.assign(process.env, {
        POLICY: '{"mode":"alert"}',
        TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:no-such-topic',
        AWS_ENDPOINT_URL_SNS: moto.endpoint,
      });
      const { error, lines } = await coldInvoke({ testAlert: {} });
      expect(error?.name).toBe('NotFoundException');
      expect(lines.join('')).toContain('"message":"invocation failed"');
    });

    it('fails with the reason when the janitor has no topic', async () => {
      Object.assign(process.env, { POLICY: '{"mode":"alert"}', TOPIC_ARN: '' });
      const { error } = await coldInvoke({ testAlert: {} });
      expect(error).toBeInstanceOf(Error);
      expect(error?.message).toMatch(/TOPIC_ARN is not set/);
    });
  },
);
