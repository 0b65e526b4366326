// Tests: EventBridge Scheduler rate() and cron() expressions checked at synth.
import { scheduleProblem } from '../lib/schedule-expression';

describe('scheduleProblem', () => {
  it.each([
    'rate(15 minutes)',
    'rate(1 minute)',
    'rate(1 hour)',
    'rate(2 hours)',
    'rate(1 day)',
    'rate(7 days)',
    ' rate(5 minutes) ',
    'cron(0 8 ? * MON-FRI *)',
    'cron(0/10 * * * ? *)',
    'cron(*/5 * * * ? *)',
    'cron(0,15,30,45 9-17 ? * MON-FRI *)',
    'cron(0 8 1 * ? *)',
    'cron(0 8 L * ? *)',
    'cron(0 8 LW * ? *)',
    'cron(0 8 15W * ? *)',
    'cron(0 8 1/5 * ? *)',
    'cron(0 8 ? * 6L *)',
    'cron(0 8 ? * MON#2 *)',
    'cron(0 8 ? jan-mar * *)',
    'cron(0 8 ? * sun 2030)',
    'cron(0 8 1 DEC ? 2025-2030)',
    'cron(0 0/2 ? * * 2026/2)',
  ])('accepts %s', (expression) => {
    expect(scheduleProblem(expression)).toBeUndefined();
  });

  it.each([
    [
      'cron(garbage)',
      '"cron(garbage)" has 1 field; a cron needs 6 (minutes hours day-of-month month day-of-week year)',
    ],
    ['cron(0 8 * * ?)', 'has 5 fields; a cron needs 6'],
    ['cron(0 8 * * ? * *)', 'has 7 fields'],
    ['cron()', 'has 0 fields'],
    ['cron(0 8 * * * *)', 'exactly one of day-of-month and day-of-week must be "?"'],
    ['cron(0 8 ? * ? *)', 'exactly one of day-of-month and day-of-week must be "?"'],
    ['cron(60 8 ? * * *)', 'minutes "60" is not valid: "60" is not a value, range or step of this field'],
    ['cron(0 24 ? * * *)', 'hours "24" is not valid'],
    ['cron(0 8 32 * ? *)', 'day-of-month "32" is not valid'],
    ['cron(0 8 0 * ? *)', 'day-of-month "0" is not valid'],
    ['cron(0 8 ? 13 * *)', 'month "13" is not valid'],
    ['cron(0 8 ? * 8 *)', 'day-of-week "8" is not valid'],
    ['cron(0 8 ? * 1 1969)', 'year "1969" is not valid'],
    [
      'cron(0x 8 ? * * *)',
      'minutes "0x" has "x", which this field does not allow (values 0-59; wildcards , - * /)',
    ],
    ['cron(? 8 ? * * *)', 'minutes "?" has "?", which this field does not allow'],
    ['cron(0 8 ? * 1/2 *)', 'day-of-week "1/2" has "/", which this field does not allow'],
    ['cron(0 8 1#2 * ? *)', 'day-of-month "1#2" has "#", which this field does not allow'],
    ['cron(0 L ? * * *)', 'hours "L" has "L"'],
    ['cron(0 8 ? FOO * *)', 'month "FOO" is not valid'],
    ['cron(0 8 ? * FRI#6 *)', 'day-of-week "FRI#6" is not valid'],
    ['cron(0 8 L,1 * ? *)', 'day-of-month "L,1" is not valid'],
    ['cron(0 8 ?,1 * * *)', 'day-of-month "?,1" is not valid'],
    ['cron(0/0 8 ? * * *)', 'minutes "0/0" is not valid'],
    ['cron(1-2-3 8 ? * * *)', 'minutes "1-2-3" is not valid'],
    ['rate(1 minutes)', '"rate(1 minutes)": a rate of 1 takes the singular, rate(1 minute)'],
    ['rate(5 minute)', '"rate(5 minute)": a rate above 1 takes the plural, rate(5 minutes)'],
    ['rate(0 minutes)', 'is not a rate; write rate(N unit) with a whole N ≥ 1'],
    ['rate(1 week)', 'unit minute(s), hour(s) or day(s)'],
    ['rate(1.5 hours)', 'is not a rate'],
    ['rate(15minutes)', 'is not a rate'],
    ['at(2030-01-01T00:00:00)', 'is not a recurring schedule; write rate(...) or cron(...)'],
    ['every 15 minutes', '"every 15 minutes" is not a recurring schedule'],
  ])('rejects %s: %s', (expression, message) => {
    expect(scheduleProblem(expression)).toContain(message);
  });
});
