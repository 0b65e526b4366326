// Tests: the policy's evidence switches and rules' deleteWhenHolderGone.
import { PolicyError } from '../lambda/core/errors';
import { parsePolicy } from '../lambda/core/policy';

const catchAll = { name: 'default', match: {}, alertAfter: '4h' };
const ci = { name: 'ci', match: { who: 'runner@*' }, alertAfter: '1h', deleteAfter: '4h' };

function problems(input: unknown): string[] {
  try {
    parsePolicy(input);
  } catch (e) {
    expect(e).toBeInstanceOf(PolicyError);
    return [...(e as PolicyError).issues];
  }
  throw new Error('expected the policy to be rejected');
}

describe('policy evidence', () => {
  it('counts state writes and leaves the EC2 host check off by default', () => {
    expect(parsePolicy({}).evidence).toEqual({ stateWrites: true, ec2Hosts: false });
    expect(parsePolicy({ evidence: { ec2Hosts: true } }).evidence).toEqual({
      stateWrites: true,
      ec2Hosts: true,
    });
    expect(parsePolicy({ evidence: { stateWrites: false } }).evidence.stateWrites).toBe(false);
  });

  it.each([
    [{ rules: [{ ...ci, deleteWhenHolderGone: '15m' }, catchAll] }, 900],
    [{ rules: [{ ...ci, deleteWhenHolderGone: '4h' }, catchAll] }, 4 * 3600],
    // Without deleteAfter: never deleted by age, only when the host is gone.
    [{ rules: [{ name: 'ci', match: { who: 'ci@*' }, deleteWhenHolderGone: '10m' }, catchAll] }, 600],
    [{ rules: [{ ...ci, deleteWhenHolderGone: '1m' }, catchAll], allowShortDurations: true }, 60],
  ])('accepts deleteWhenHolderGone in %j', (input, seconds) => {
    const policy = parsePolicy({ ...input, evidence: { ec2Hosts: true } });
    expect(policy.rules[0].deleteWhenHolderGone?.seconds).toBe(seconds);
    expect(policy.rules[1].deleteWhenHolderGone).toBeUndefined();
  });

  it.each([
    [
      'an unknown evidence key',
      { evidence: { cloudTrail: true } },
      'evidence: unknown key "cloudTrail"; valid keys are stateWrites, ec2Hosts',
    ],
    ['a non-boolean switch', { evidence: { ec2Hosts: 'yes' } }, 'evidence.ec2Hosts: must be true or false'],
    ['evidence that is not an object', { evidence: true }, 'evidence:'],
    [
      'deleteWhenHolderGone without the EC2 host check',
      { rules: [{ ...ci, deleteWhenHolderGone: '15m' }, catchAll] },
      'rules[0].deleteWhenHolderGone: needs the EC2 host check to act; set "evidence": {"ec2Hosts": true}',
    ],
    [
      'deleteWhenHolderGone longer than deleteAfter',
      { rules: [{ ...ci, deleteWhenHolderGone: '5h' }, catchAll], evidence: { ec2Hosts: true } },
      'rules[0].deleteWhenHolderGone: "5h" is longer than deleteAfter "4h", so it would never act; deleteWhenHolderGone must be at most deleteAfter',
    ],
    [
      'deleteWhenHolderGone shorter than 5 minutes',
      { rules: [{ ...ci, deleteWhenHolderGone: '4m' }, catchAll], evidence: { ec2Hosts: true } },
      'rules[0].deleteWhenHolderGone: "4m" is shorter than 5m: EC2\'s answers are eventually consistent, so a just-launched host can look gone; use at least "5m", or set "allowShortDurations": true',
    ],
    [
      'deleteWhenHolderGone that is not a duration',
      { rules: [{ ...ci, deleteWhenHolderGone: 'soon' }, catchAll], evidence: { ec2Hosts: true } },
      'rules[0].deleteWhenHolderGone: "soon" is not a duration',
    ],
  ])('rejects %s', (_, input, message) => {
    expect(problems(input).join('\n')).toContain(message);
  });
});
