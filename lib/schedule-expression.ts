// CDK: checks EventBridge Scheduler rate() and cron() expressions at synth, before CloudFormation would.
/**
 * EventBridge Scheduler's rules (User Guide, "Schedule types": rate-based and cron-based schedules):
 * `rate(value unit)` with a positive whole value and unit minute/hour/day, singular exactly when the value is 1;
 * `cron(minutes hours day-of-month month day-of-week year)`, six fields, `?` in exactly one of day-of-month and
 * day-of-week. Fields allow these characters besides their values: minutes, hours, month, year `, - * /`;
 * day-of-month `, - * ? / L W`; day-of-week `, - * ? L #`.
 */
type Field = {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  /** Names accepted for the values min..max, in order (JAN..DEC, SUN..SAT). */
  readonly names?: readonly string[];
  /** Wildcards beyond `, - *`. */
  readonly wildcards: string;
};

const FIELDS: readonly Field[] = [
  { name: 'minutes', min: 0, max: 59, wildcards: '/' },
  { name: 'hours', min: 0, max: 23, wildcards: '/' },
  { name: 'day-of-month', min: 1, max: 31, wildcards: '?/LW' },
  {
    name: 'month',
    min: 1,
    max: 12,
    names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'],
    wildcards: '/',
  },
  {
    name: 'day-of-week',
    min: 1,
    max: 7,
    names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'],
    wildcards: '?L#',
  },
  { name: 'year', min: 1970, max: 2199, wildcards: '/' },
];

const EXAMPLES = 'such as "rate(15 minutes)" or "cron(0 8 ? * MON-FRI *)"';

/** Says what is wrong with a Scheduler expression for a recurring janitor run, or undefined when it is valid. */
export function scheduleProblem(expression: string): string | undefined {
  const text = expression.trim();
  const rate = /^rate\((.*)\)$/s.exec(text);
  if (rate) return rateProblem(rate[1], text);
  const cron = /^cron\((.*)\)$/s.exec(text);
  if (cron) return cronProblem(cron[1], text);
  return `${JSON.stringify(text)} is not a recurring schedule; write rate(...) or cron(...), ${EXAMPLES}`;
}

function rateProblem(body: string, text: string): string | undefined {
  const match = /^([0-9]+) (minute|hour|day)(s?)$/.exec(body.trim());
  const value = match ? Number(match[1]) : 0;
  if (!match || value < 1 || !Number.isSafeInteger(value)) {
    return `${JSON.stringify(text)} is not a rate; write rate(N unit) with a whole N ≥ 1 and unit minute(s), hour(s) or day(s), ${EXAMPLES}`;
  }
  const [, , unit, plural] = match;
  if (value === 1 && plural)
    return `${JSON.stringify(text)}: a rate of 1 takes the singular, rate(1 ${unit})`;
  if (value > 1 && !plural)
    return `${JSON.stringify(text)}: a rate above 1 takes the plural, rate(${value} ${unit}s)`;
  return undefined;
}

function cronProblem(body: string, text: string): string | undefined {
  const fields = body.trim().split(/\s+/).filter(Boolean);
  if (fields.length !== FIELDS.length) {
    return `${JSON.stringify(text)} has ${fields.length} field${fields.length === 1 ? '' : 's'}; a cron needs 6 (minutes hours day-of-month month day-of-week year), ${EXAMPLES}`;
  }
  for (const [i, field] of FIELDS.entries()) {
    const problem = fieldProblem(fields[i], field);
    if (problem) return `${JSON.stringify(text)}: ${field.name} ${JSON.stringify(fields[i])} ${problem}`;
  }
  const [dayOfMonth, dayOfWeek] = [fields[2], fields[4]];
  if ((dayOfMonth === '?') === (dayOfWeek === '?')) {
    return `${JSON.stringify(text)}: exactly one of day-of-month and day-of-week must be "?" (the other gives the days), e.g. "cron(0 8 ? * MON-FRI *)" or "cron(0 8 1 * ? *)"`;
  }
  return undefined;
}

/** Why one cron field is not valid for its position, or undefined. */
function fieldProblem(raw: string, field: Field): string | undefined {
  const bad = [...raw].find((c) => !fieldAllows(c.toUpperCase(), field));
  if (bad !== undefined) {
    const names = field.names ? ` or ${field.names[0]}-${field.names.at(-1)}` : '';
    const wildcards = [',', '-', '*', ...field.wildcards].join(' ');
    return `has ${JSON.stringify(bad)}, which this field does not allow (values ${field.min}-${field.max}${names}; wildcards ${wildcards})`;
  }
  if (raw === '?') return undefined;
  const items = raw.toUpperCase().split(',');
  const wrong = items.find((item) => !itemValid(item, field, items.length));
  return wrong === undefined
    ? undefined
    : `is not valid: "${wrong}" is not a value, range or step of this field`;
}

/** Digits, `, - *`, the field's wildcards, and letters only where names or L/W are allowed. */
function fieldAllows(c: string, field: Field): boolean {
  if (/[0-9,*-]/.test(c) || field.wildcards.includes(c)) return true;
  return field.names !== undefined && /[A-Z]/.test(c);
}

function itemValid(item: string, field: Field, itemCount: number): boolean {
  const special = specialValid(item, field);
  if (special !== undefined) return special && itemCount === 1;
  const [base, step, ...rest] = item.split('/');
  if (rest.length > 0) return false;
  if (step !== undefined && (!field.wildcards.includes('/') || !/^[0-9]+$/.test(step) || Number(step) < 1)) {
    return false;
  }
  if (base === '*') return true;
  const [from, to, ...more] = base.split('-');
  if (more.length > 0 || fieldValue(from, field) === undefined) return false;
  return to === undefined || fieldValue(to, field) !== undefined;
}

/** The L, W and # forms: true/false when the item is one of them, undefined when it is not. */
function specialValid(item: string, field: Field): boolean | undefined {
  if (!/[LW#]/.test(item) || field.names?.includes(item)) return undefined;
  if (field.name === 'day-of-month')
    return item === 'L' || item === 'LW' || /^([1-9]|[12][0-9]|3[01])W$/.test(item);
  if (field.name !== 'day-of-week') return false;
  if (item === 'L') return true;
  const last = /^(.+)L$/.exec(item);
  if (last) return fieldValue(last[1], field) !== undefined;
  const nth = /^(.+)#([1-5])$/.exec(item);
  return nth ? fieldValue(nth[1], field) !== undefined : false;
}

function fieldValue(text: string, field: Field): number | undefined {
  const named = field.names?.indexOf(text) ?? -1;
  if (named >= 0) return field.min + named;
  if (!/^[0-9]{1,4}$/.test(text)) return undefined;
  const n = Number(text);
  return n >= field.min && n <= field.max ? n : undefined;
}
