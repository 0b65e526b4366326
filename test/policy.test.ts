// Tests: policy validation and its messages.
import { parseDuration } from '../lambda/core/duration';
import { PolicyError } from '../lambda/core/errors';
import { compileGlob } from '../lambda/core/glob';
import { parsePolicy, parsePolicyJson } from '../lambda/core/policy';

const catchAll = { name: 'default', match: {}, alertAfter: '4h' };

function problems(input: unknown): string[] {
  try {
    parsePolicy(input);
  } catch (e) {
    expect(e).toBeInstanceOf(PolicyError);
    return [...(e as PolicyError).issues];
  }
  throw new Error('expected the policy to be rejected');
}

describe('parsePolicy', () => {
  it('fills the documented defaults for an empty policy', () => {
    const p = parsePolicy({});
    expect(p).toMatchObject({
      mode: 'alert',
      minSightings: 2,
      maxDeletionsPerRun: 10,
      realertAfter: { text: '24h', seconds: 86400 },
    });
    expect(p.tables.optOutTag).toBe('tf-lock-janitor:ignore');
    expect(p.tables.include.map((g) => g.pattern)).toEqual(['*']);
    expect(p.rules).toHaveLength(1);
    expect(p.rules[0]).toMatchObject({ name: 'default', alertAfter: { seconds: 4 * 3600 } });
    expect(p.regions).toBeUndefined();
  });

  it('accepts the example policy of the design', () => {
    const p = parsePolicy({
      mode: 'delete',
      regions: ['eu-west-1', 'us-gov-west-1'],
      tables: { include: ['*'], exclude: ['scratch-*'], optOutTag: 'tf-lock-janitor:ignore' },
      rules: [
        { name: 'prod', match: { lockId: '*/prod/*' }, alertAfter: '1h' },
        {
          name: 'ci-plans',
          match: { operation: ['OperationTypePlan'], who: 'runner@*' },
          alertAfter: '30m',
          deleteAfter: '2h',
        },
        catchAll,
      ],
      minSightings: 3,
      maxDeletionsPerRun: 0,
      realertAfter: '7d',
    });
    expect(p.rules.map((r) => r.name)).toEqual(['prod', 'ci-plans', 'default']);
    expect(p.rules[1].deleteAfter?.seconds).toBe(7200);
    expect(p.rules[1].match.who?.[0].test('runner@ip-10-0-1-2')).toBe(true);
  });

  it.each([
    [
      'an unknown top-level key',
      { mode: 'alert', dryRun: true },
      'policy: unknown key "dryRun"; valid keys are mode, regions',
    ],
    ['an unknown mode', { mode: 'dry-run' }, 'mode: must be one of "report", "alert", "delete"'],
    [
      'a bad duration',
      { rules: [{ ...catchAll, alertAfter: '4 hours' }] },
      'rules[0].alertAfter: "4 hours" is not a duration; write a whole number and a unit: 90s, 30m, 4h, 7d',
    ],
    [
      'deleteAfter before alertAfter',
      { rules: [{ ...catchAll, deleteAfter: '1h' }] },
      'rules[0].deleteAfter: "1h" is shorter than alertAfter "4h"',
    ],
    [
      'a bad glob',
      { tables: { include: ['tf-[locks'] } },
      'tables.include[0]: "tf-[locks" is not a valid glob',
    ],
    [
      'an empty glob',
      { rules: [{ name: 'x', match: { who: '' } }, catchAll] },
      'rules[0].match.who[0]: "" is not a valid glob: an empty pattern',
    ],
    [
      'an unknown match field',
      { rules: [{ name: 'x', match: { path: '*' } }, catchAll] },
      'rules[0].match: unknown key "path"; valid keys are table, lockId, operation, who',
    ],
    [
      'no final catch-all',
      { rules: [{ name: 'prod', match: { lockId: '*/prod/*' }, alertAfter: '1h' }] },
      'rules[0].match: the last rule must be a catch-all',
    ],
    [
      'duplicate rule names',
      { rules: [{ ...catchAll }, { ...catchAll }] },
      'rules[1].name: "default" is used by an earlier rule',
    ],
    ['an empty rule list', { rules: [] }, 'rules:'],
    ['minSightings of 0', { minSightings: 0 }, 'minSightings: must be a whole number from 1 to 1000'],
    [
      'a fractional cap',
      { maxDeletionsPerRun: 1.5 },
      'maxDeletionsPerRun: must be a whole number from 0 to 10000',
    ],
    [
      'a glob of the wrong type',
      { rules: [{ name: 'x', match: { who: 5 } }, catchAll] },
      'rules[0].match.who: must be a glob string or a list of them',
    ],
    ['a bad region', { regions: ['Ireland'] }, 'regions[0]: must be an AWS region name'],
    ['null', null, 'policy: must be a JSON object such as {"mode": "alert"}, not null'],
    ['a list', [catchAll], 'policy: must be a JSON object such as {"mode": "alert"}, not a list'],
    ['a string', 'alert', 'policy: must be a JSON object such as {"mode": "alert"}, not string'],
    [
      'a catch-all before other rules',
      {
        rules: [{ name: 'everything', match: {} }, { name: 'prod', match: { lockId: '*/prod/*' } }, catchAll],
      },
      'rules[1]: rule "prod" can never match: rule "everything" (rules[0]) before it is a catch-all (empty match); put the catch-all last',
    ],
    [
      'a rule matching exactly what an earlier rule matches',
      {
        rules: [
          {
            name: 'ci',
            match: { who: ['runner@*', 'ci@*'], operation: 'OperationTypePlan' },
            alertAfter: '1h',
          },
          { name: 'ci-again', match: { operation: ['OperationTypePlan'], who: ['ci@*', 'runner@*'] } },
          catchAll,
        ],
      },
      'rules[1].match: rule "ci-again" can never match: rule "ci" (rules[0]) has exactly the same match and comes first',
    ],
    [
      'a deleteAfter shorter than 5 minutes',
      { rules: [{ name: 'all', match: {}, deleteAfter: '0s' }] },
      'rules[0].deleteAfter: "0s" is shorter than 5m: a lock that young may belong to a run still working; use at least "5m", or set "allowShortDurations": true',
    ],
    [
      'a deleteAfter of 299 seconds',
      { rules: [{ name: 'all', match: {}, deleteAfter: '299s' }] },
      'rules[0].deleteAfter: "299s" is shorter than 5m',
    ],
    [
      'a sightingGap shorter than 5 minutes',
      { sightingGap: '1s' },
      'sightingGap: "1s" is shorter than 5m: runs that close together are not separate sightings',
    ],
    ['a bad sightingGap', { sightingGap: 'soon' }, 'sightingGap: "soon" is not a duration'],
    [
      'a non-boolean allowShortDurations',
      { allowShortDurations: 'yes' },
      'allowShortDurations: must be true or false',
    ],
  ])('rejects %s, naming the field', (_, input, message) => {
    expect(problems(input).join('\n')).toContain(message);
  });

  it.each<[string, object]>([
    ['a deleteAfter of exactly 5 minutes', { rules: [{ name: 'all', match: {}, deleteAfter: '5m' }] }],
    ['a sightingGap of 300 seconds', { sightingGap: '300s' }],
    [
      'short durations when the policy allows them',
      {
        allowShortDurations: true,
        sightingGap: '0s',
        rules: [{ name: 'all', match: {}, deleteAfter: '1s' }],
      },
    ],
    [
      'rules whose matches differ in one field',
      {
        rules: [
          { name: 'a', match: { who: 'a@*' } },
          { name: 'b', match: { who: 'a@*', table: 't' } },
          catchAll,
        ],
      },
    ],
  ])('accepts %s', (_name, input) => {
    expect(() => parsePolicy(input)).not.toThrow();
  });

  it('fills sightingGap and allowShortDurations with their defaults', () => {
    expect(parsePolicy({})).toMatchObject({
      sightingGap: { text: '5m', seconds: 300 },
      allowShortDurations: false,
    });
  });

  it('reports every problem at once', () => {
    expect(problems({ mode: 'x', minSightings: -1, realertAfter: '1 day' })).toHaveLength(3);
  });

  it.each<[string, string, string]>([
    [
      'at the top',
      '{"mode": "alert", "mode": "delete"}',
      'mode: is given twice in one object of policy.json',
    ],
    [
      'in a rule',
      '{"rules": [{"name": "a", "match": {}}, {"name": "b", "match": {"who": "x", "who": "y"}}]}',
      'rules[1].match.who: is given twice',
    ],
    ['under an escaped spelling', '{"mode": "alert", "m\\u006fde": "delete"}', 'mode: is given twice'],
  ])('rejects a key given twice %s, naming its path', (_name, text, message) => {
    expect(() => parsePolicyJson(text, 'policy.json')).toThrow(message);
  });

  it.each([
    [
      'the same key in different objects',
      '{"tables": {"include": ["*"]}, "rules": [{"name": "include", "match": {}}]}',
    ],
    ['a key that appears as a value', '{"rules": [{"name": "mode", "match": {}}], "mode": "alert"}'],
    [
      'keys in an array of objects',
      '{"rules": [{"name": "a", "match": {"who": "x"}}, {"name": "b", "match": {}}]}',
    ],
  ])('accepts %s', (_name, text) => {
    expect(() => parsePolicyJson(text)).not.toThrow();
  });

  it("rejects a policy file that holds JSON's null instead of giving the default policy", () => {
    expect(() => parsePolicyJson('null', 'policy.json')).toThrow('policy: must be a JSON object');
  });

  it('says when the policy file is not JSON', () => {
    expect(() => parsePolicyJson('{"mode": alert}', 'policy.json')).toThrow(
      /policy.json is not valid JSON .*fix the syntax/,
    );
  });
});

describe('durations and globs', () => {
  it.each([
    ['90s', 90],
    ['30m', 1800],
    ['4h', 14400],
    ['7d', 604800],
    ['0s', 0],
  ])('reads %s as %i seconds', (text, seconds) => {
    expect(parseDuration(text)?.seconds).toBe(seconds);
  });

  it.each(['', '4', 'h', '1.5h', '-1h', '4H', '1w', '4h30m'])('rejects the duration %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it.each([
    ['*/prod/*', 'acme/env:/prod/app.tfstate', true],
    ['*/prod/*', 'acme/staging/app.tfstate', false],
    ['runner@*', 'runner@ip-10-0-1-2', true],
    ['runner@*', 'alice@runner', false],
    ['tf-locks-?', 'tf-locks-1', true],
    ['tf-locks-[0-9]', 'tf-locks-a', false],
    ['tf-locks-[!0-9]', 'tf-locks-a', true],
    ['a.b', 'axb', false],
    ['(x)+', '(x)+', true],
    ['ELECTRO\\*', 'ELECTRO\\victorsh@LOGRUS', true],
  ])('glob %s on %s is %s', (pattern, value, expected) => {
    expect(compileGlob(pattern).test(value)).toBe(expected);
  });
});
