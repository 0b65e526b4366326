// Tests: the central release function: reads a chat Release, forwards it to the member janitor, returns its answer.

import {
  centralReleaseRequest,
  forwardRelease,
  type Invoke,
  readCentralReleaseConfig,
} from '../lambda/central-release';
import { JanitorError, UsageError } from '../lambda/core/errors';
import { releasePayloadBase64 } from '../lambda/core/message/invoke';

const config = { functionName: 'tf-lock-janitor', regions: ['eu-west-1', 'us-east-1'] };
const release = {
  table: 'tf-locks',
  lockId: 'tf-state/app.tfstate',
  id: 'b9f8a1c2-0d3e-4f5a-8b6c-7d8e9f0a1b2c',
};

/**
 * A stand-in for Lambda's Invoke (no engine runs Lambda functions offline): it records each call and answers
 * as Lambda does, with the function's JSON payload and `FunctionError` when the function threw.
 */
function fakeLambda(answer: { functionError?: string; payload: string }) {
  const calls: { functionArn: string; region: string; payload: unknown }[] = [];
  const invoke: Invoke = async (functionArn, region, payload) => {
    calls.push({ functionArn, region, payload: JSON.parse(payload) });
    return answer;
  };
  return { calls, invoke };
}

describe('the central release', () => {
  it("forwards a button's release to the janitor's own region, not the lock's (issue 19 #8)", async () => {
    // Prepare: a janitor in eu-west-1 announced a lock of its us-east-1 tables; the button's payload, decoded.
    const lambda = fakeLambda({ payload: '{"released":true}' });
    const payload = releasePayloadBase64({ ...release, region: 'us-east-1' }, 'chat', {
      id: '111122223333',
      janitorRegion: 'eu-west-1',
    });
    // Act
    await forwardRelease(
      JSON.parse(Buffer.from(payload, 'base64').toString('utf8')),
      config,
      'aws',
      lambda.invoke,
    );
    // Assess
    expect(lambda.calls.map((c) => c.functionArn)).toEqual([
      'arn:aws:lambda:eu-west-1:111122223333:function:tf-lock-janitor',
    ]);
  });

  it('never forwards to its own account: a plain janitor there is not a member janitor (issue 19 #8)', async () => {
    const lambda = fakeLambda({ payload: '{}' });
    const event = { release: { ...release, region: 'us-east-1', account: '999988887777' } };
    await expect(
      forwardRelease(event, { ...config, ownAccount: '999988887777' }, 'aws', lambda.invoke),
    ).rejects.toThrow(
      /is the central account itself; the central release forwards only to the member janitors/,
    );
    expect(lambda.calls).toEqual([]);
  });

  it('forwards the release, without account and janitorRegion, to the janitor of that account and region', async () => {
    // Prepare
    const member = { runId: 'r-1', released: true, outcome: 'deleted' };
    const lambda = fakeLambda({ payload: JSON.stringify(member) });
    const event = {
      release: { ...release, region: 'us-east-1', requestedBy: 'chat', account: '111122223333' },
    };
    // Act
    const answer = await forwardRelease(event, config, 'aws', lambda.invoke);
    // Assess
    expect(lambda.calls).toEqual([
      {
        functionArn: 'arn:aws:lambda:us-east-1:111122223333:function:tf-lock-janitor',
        region: 'us-east-1',
        payload: { release: { ...release, region: 'us-east-1', requestedBy: 'chat' } },
      },
    ]);
    expect(answer).toEqual({ account: '111122223333', janitorRegion: 'us-east-1', ...member });
  });

  it('goes to janitorRegion when the lock is in another region than its janitor, in the partition it runs in', async () => {
    const lambda = fakeLambda({ payload: '{}' });
    const event = {
      release: { ...release, region: 'eu-central-1', account: '111122223333', janitorRegion: 'eu-west-1' },
    };
    await forwardRelease(event, config, 'aws-cn', lambda.invoke);
    expect(lambda.calls[0].functionArn).toBe(
      'arn:aws-cn:lambda:eu-west-1:111122223333:function:tf-lock-janitor',
    );
    expect(lambda.calls[0].payload).toEqual({ release: { ...release, region: 'eu-central-1' } });
  });

  it('fails with the member janitor’s own message when it refuses', async () => {
    const lambda = fakeLambda({
      functionError: 'Unhandled',
      payload: JSON.stringify({ errorType: 'UsageError', errorMessage: 'The janitor runs in mode "alert"' }),
    });
    const event = { release: { ...release, region: 'eu-west-1', account: '111122223333' } };
    const run = forwardRelease(event, config, 'aws', lambda.invoke);
    await expect(run).rejects.toThrow(JanitorError);
    await expect(forwardRelease(event, config, 'aws', lambda.invoke)).rejects.toThrow(
      'The janitor in account 111122223333 (eu-west-1) did not release: The janitor runs in mode "alert"',
    );
  });

  it.each([
    [{}, /Send \{"release": \{\.\.\., "account": "123456789012"\}\}/],
    [{ release: 'x' }, /Send \{"release"/],
    [{ release: { ...release, region: 'eu-west-1' } }, /release\.account: undefined is not a 12-digit/],
    [
      { release: { ...release, region: 'eu-west-1', account: '1234' } },
      /release\.account: "1234" is not a 12-digit/,
    ],
    [
      { release: { ...release, account: '111122223333' } },
      /release\.janitorRegion: undefined is not a region the janitor is deployed to \(eu-west-1, us-east-1\)/,
    ],
    [
      { release: { ...release, region: 'ap-south-1', account: '111122223333' } },
      /"ap-south-1" is not a region the janitor is deployed to/,
    ],
    [
      { release: { table: 'tf-locks', lockId: 'x', region: 'eu-west-1', account: '111122223333' } },
      /release\.id: /,
    ],
    [
      { release: { ...release, region: 'eu-west-1', account: '111122223333', force: true } },
      /Unrecognized key/,
    ],
  ])('refuses %j with a message naming the field', (event, message) => {
    expect(() => centralReleaseRequest(event, config)).toThrow(UsageError);
    expect(() => centralReleaseRequest(event, config)).toThrow(message);
  });

  it('invokes nothing for a request it refuses', async () => {
    const lambda = fakeLambda({ payload: '{}' });
    await expect(
      forwardRelease({ release: { ...release, account: 'x' } }, config, 'aws', lambda.invoke),
    ).rejects.toThrow(UsageError);
    expect(lambda.calls).toEqual([]);
  });

  it.each([
    [{ MEMBER_FUNCTION_NAME: 'tf-lock-janitor', MEMBER_REGIONS: 'eu-west-1, us-east-1' }, config],
    [{ MEMBER_FUNCTION_NAME: 'tf-lock-janitor' }, /MEMBER_REGIONS must be set/],
    [{ MEMBER_REGIONS: 'eu-west-1' }, /MEMBER_FUNCTION_NAME and MEMBER_REGIONS must be set/],
  ])('reads its environment %j', (env, expected) => {
    if (expected instanceof RegExp) expect(() => readCentralReleaseConfig(env)).toThrow(expected);
    else expect(readCentralReleaseConfig(env)).toEqual(expected);
  });
});
