// Tests: glob matching, its semantics and its bounded cost on hostile values.
import fc from 'fast-check';
import { compileGlob, globProblem, globSteps } from '../lambda/core/glob';
import { parsePolicy } from '../lambda/core/policy';

describe('glob semantics', () => {
  it.each<[string, string, boolean]>([
    ['*', '', true],
    ['*', 'a/b/c', true],
    ['?', '', false],
    ['?', '/', true],
    ['a*b*c', 'abc', true],
    ['a*b*c', 'a-b-c-d', false],
    ['*.tfstate', 'x/y.tfstate', true],
    ['*.tfstate', 'x/y.tfstate.bak', false],
    ['**x', 'abx', true],
    ['[]a]', ']', true],
    ['[]a]', 'a', true],
    ['[]a]', 'b', false],
    ['[!]a]', 'xa]', true],
    ['[!]a]', 'b', false],
    ['[a-]', '-', true],
    ['[-a]', '-', true],
    ['[a-c-e]', 'd', false],
    ['[a-c-e]', 'e', true],
    ['[a-c-e]', '-', true],
    ['[^a]', '^', true],
    ['[^a]', 'b', false],
    ['[!]', 'x', true],
    ['a[*]b', 'a*b', true],
    ['a[*]b', 'axb', false],
    ['$^.+()|{}', '$^.+()|{}', true],
    ['a\\b', 'a\\b', true],
    ['line*', 'line\nbreak', true],
    ['x?y', 'x\ny', true],
    ['*@*.ci.internal', 'runner@build-7.ci.internal', true],
    ['*@*.ci.internal', 'runner@build-7.ci.internal.evil', false],
  ])('%j on %j is %s', (pattern, value, expected) => {
    expect(compileGlob(pattern).test(value)).toBe(expected);
  });

  it.each<[string, string]>([
    ['tf-[locks', '"[" at position 4 has no closing "]"'],
    ['[z-a]', 'the range "z-a" at position 2 is out of order'],
    ['', 'an empty pattern matches nothing'],
  ])('rejects %j: %s', (pattern, message) => {
    expect(globProblem(pattern)).toContain(message);
  });

  it.each<[string, string | undefined]>([
    ['tf-locks', 'tf-locks'],
    ['$^.+()|{}\\', '$^.+()|{}\\'],
    ['tf-*', undefined],
    ['tf-lock?', undefined],
    ['tf-lock[s]', undefined],
    ['*', undefined],
  ])('%j names %j outright', (pattern, literal) => {
    expect(compileGlob(pattern).literal).toBe(literal);
  });

  it('agrees with a reference regular expression on generated patterns and values', () => {
    const alphabet = fc.constantFrom('a', 'b', '/', '*', '?', '[a-b]', '[!a]', '.');
    const pattern = fc.array(alphabet, { minLength: 1, maxLength: 8 }).map((parts) => parts.join(''));
    const value = fc.string({ unit: fc.constantFrom('a', 'b', '/', '.', 'c'), maxLength: 12 });
    fc.assert(
      fc.property(pattern, value, (p, v) => {
        expect(compileGlob(p).test(v)).toBe(referenceRegExp(p).test(v));
      }),
      { numRuns: 500 },
    );
  });
});

describe('glob cost', () => {
  const who = (length: number): string => Array.from({ length }, (_, i) => (i % 3 ? 'a' : '@')).join('');

  it.each<[string, string, boolean]>([
    ['a Who that does not end in the domain', '', false],
    ['a Who that does', '.ci.internal', true],
  ])('judges a rule against a 300,000-character Who: %s', (_name, suffix, expected) => {
    // Prepare
    const policy = parsePolicy({
      rules: [
        { name: 'ci', match: { who: '*@*.ci.internal' }, alertAfter: '1h' },
        { name: 'default', match: {} },
      ],
    });
    const value = `${who(300_000)}${suffix}`;

    // Act
    const matched = policy.rules[0].match.who?.[0].test(value);
    const { steps } = globSteps('*@*.ci.internal', value);

    // Assess
    expect(matched).toBe(expected);
    expect(steps).toBeLessThanOrEqual(4 * value.length);
  });

  it('takes steps that grow linearly with the value', () => {
    const steps = [10_000, 20_000, 40_000, 80_000].map((n) => globSteps('*@*.ci.internal', who(n)).steps);
    for (let i = 1; i < steps.length; i++) {
      expect(steps[i] / steps[i - 1]).toBeGreaterThan(1.9);
      expect(steps[i] / steps[i - 1]).toBeLessThan(2.1);
    }
  });

  it('never takes more than (pattern + 1) × (value + 1) steps', () => {
    const unit = fc.constantFrom('a', 'b', '*', '?', '[ab]');
    fc.assert(
      fc.property(
        fc.array(unit, { minLength: 1, maxLength: 12 }),
        fc.string({ unit: fc.constantFrom('a', 'b'), maxLength: 200 }),
        (parts, value) => {
          const { steps } = globSteps(parts.join(''), value);
          expect(steps).toBeLessThanOrEqual((parts.length + 1) * (value.length + 1));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('stays within the bound on the classic worst case', () => {
    const pattern = `*${'a'.repeat(20)}b`;
    const value = 'a'.repeat(50_000);
    const { matched, steps } = globSteps(pattern, value);
    expect(matched).toBe(false);
    expect(steps).toBeLessThanOrEqual((pattern.length + 1) * (value.length + 1));
  });
});

/** The former backtracking compile, kept here only as the reference for the semantics. */
function referenceRegExp(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') out += '[\\s\\S]*';
    else if (c === '?') out += '[\\s\\S]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      let set = pattern.slice(i + 1, end);
      const negate = set.startsWith('!');
      if (negate) set = set.slice(1);
      out += `[${negate ? '^' : ''}${set.replace(/[\\\]^]/g, '\\$&')}]`;
      i = end;
    } else out += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}
