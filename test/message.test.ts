// Tests: the rendered e-mail, chat and SNS messages and their limits.
import type { RunFailure } from '../lambda/core/failure';
import {
  type ChatNotification,
  hasNews,
  MESSAGE_BUDGET_BYTES,
  renderMessage,
  sanitizeSubject,
} from '../lambda/core/message/sns';
import {
  type LockReport,
  noCounts,
  type ResolvedReport,
  type RunReport,
  type TableReport,
} from '../lambda/core/report';

const SNS_MAX_BYTES = 262_144;
const ID = '3d5f0c2a-9b71-e4c8-1a6d-7f20b9e4c513';
const LOCK_ID = 'acme-tfstate/env:/staging/network/terraform.tfstate';

function lock(overrides: Partial<LockReport> = {}): LockReport {
  return {
    region: 'eu-west-1',
    table: 'acme-tf-locks',
    lockId: LOCK_ID,
    id: ID,
    operation: 'OperationTypeApply',
    who: 'runner@ip-10-0-12-34',
    version: '1.9.8',
    created: '2025-03-14T09:26:53.589793238Z',
    ageSeconds: 5 * 3600 + 5 * 60,
    rule: 'default',
    decision: 'alert',
    outcome: 'alerted',
    reason: 'rule "default": age 5h 5m >= alertAfter 4h',
    sightings: 1,
    notify: true,
    ...overrides,
  };
}

function table(overrides: Partial<TableReport> = {}): TableReport {
  return {
    region: 'eu-west-1',
    name: 'acme-tf-locks',
    items: 4,
    locks: 2,
    digests: 2,
    unparseable: 0,
    ...overrides,
  };
}

function report(parts: Partial<RunReport> = {}): RunReport {
  return {
    runId: 'run-2025-03-14T14-32-00Z-7f3a',
    buckets: [],
    startedAt: '2025-03-14T14:32:00.000Z',
    finishedAt: '2025-03-14T14:32:02.415Z',
    mode: 'delete',
    regions: ['eu-west-1'],
    tables: [table()],
    locks: [],
    unparseable: [],
    resolved: [],
    warnings: [],
    failures: [],
    couldNotRead: [],
    counts: noCounts(),
    ...parts,
  };
}

/** `count` newly stale locks with distinct LockIDs and IDs; `pad` makes each LockID that many characters long. */
function staleLocks(count: number, pad = 0): LockReport[] {
  return Array.from({ length: count }, (_, i) => {
    const base = `acme-tfstate/env:/ws-${i}/svc "q" \\ é 🚀\u0001/terraform.tfstate`;
    return lock({
      lockId: base.padEnd(pad, 'x'),
      id: `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`,
    });
  });
}

const resolved: ResolvedReport = {
  region: 'eu-west-1',
  table: 'acme-tf-locks',
  lockId: 'acme-tfstate/app.tfstate',
  id: ID,
};

/** The Amazon Q Developer custom notification schema (Amazon Q Developer in chat applications, "Custom notifications"); returns the problems. */
function chatProblems(value: unknown): string[] {
  const chat = value as ChatNotification;
  const problems: string[] = [];
  const isString = (v: unknown): v is string => typeof v === 'string';
  if (chat?.version !== '1.0') problems.push('version must be "1.0"');
  if (chat?.source !== 'custom') problems.push('source must be "custom"');
  const content = chat?.content;
  if (content?.textType !== 'client-markdown') problems.push('content.textType must be client-markdown');
  if (!isString(content?.title) || content.title.length === 0 || content.title.length >= 100)
    problems.push('title');
  if (!isString(content?.description) || content.description.length > 4000) problems.push('description');
  const steps = content?.nextSteps;
  if (!Array.isArray(steps) || steps.length > 5 || !steps.every((s) => isString(s) && s.length > 0)) {
    problems.push('nextSteps must be at most 5 strings');
  }
  if (!Array.isArray(content?.keywords) || !content.keywords.every(isString)) problems.push('keywords');
  const meta = chat?.metadata;
  if (!isString(meta?.threadId) || meta.threadId.length === 0) problems.push('metadata.threadId');
  if (!isString(meta?.summary) || !isString(meta?.eventType)) problems.push('metadata.summary/eventType');
  const context = meta?.additionalContext ?? {};
  if (!Object.values(context).every(isString)) problems.push('additionalContext values must be strings');
  return problems;
}

/** The SNS Publish rules for a `MessageStructure: 'json'` message; returns the problems. */
function snsProblems(subject: string, json: string): string[] {
  const problems: string[] = [];
  if (!/^[\x20-\x7e]{1,99}$/.test(subject)) problems.push(`subject ${JSON.stringify(subject)}`);
  if (Buffer.byteLength(json, 'utf8') > SNS_MAX_BYTES) problems.push('message over 256 KB');
  const body = JSON.parse(json);
  if (typeof body.default !== 'string') problems.push('default must be a string');
  if (typeof body.https !== 'string') problems.push('https must be a string');
  problems.push(...chatProblems(JSON.parse(body.https)));
  return problems;
}

describe('hasNews', () => {
  it.each<[string, Partial<RunReport>, boolean]>([
    ['an empty run', {}, false],
    ['locks kept young', { locks: [lock({ decision: 'keep', outcome: 'kept', notify: false })] }, false],
    ['a stale lock already alerted', { locks: [lock({ notify: false })] }, false],
    [
      'warnings and unparseable items only',
      {
        warnings: ['no tagging API'],
        unparseable: [{ region: 'eu-west-1', table: 't', problem: 'no Info' }],
      },
      false,
    ],
    ['a newly stale lock', { locks: [lock()] }, true],
    // A delete attempt is always news: its plan marks it (test/plan.test.ts), whatever the delete did.
    ['a deleted lock', { locks: [lock({ decision: 'delete', outcome: 'deleted', notify: true })] }, true],
    [
      'a lock changed before its delete',
      { locks: [lock({ decision: 'delete', outcome: 'changed', notify: true })] },
      true,
    ],
    ['a failed delete', { locks: [lock({ decision: 'delete', outcome: 'failed', notify: true })] }, true],
    [
      'a table that could not be read',
      { tables: [table({ error: 'AccessDeniedException: not authorized' })] },
      true,
    ],
    [
      'a table that keeps failing, already alerted on within realertAfter',
      { tables: [table({ error: 'AccessDeniedException: not authorized', notify: false })] },
      false,
    ],
    ['a resolved lock', { resolved: [resolved] }, true],
    [
      'a run-level failure',
      { failures: [{ kind: 'audit', message: 'could not write the audit record: ThrottlingException' }] },
      true,
    ],
  ])('%s → %s', (_name, parts, expected) => {
    expect(hasNews(report(parts))).toBe(expected);
  });
});

describe('renderMessage', () => {
  it.each([0, 1, 3, 500])('renders %i locks within the SNS rules and the chat schema', (count) => {
    const locks = staleLocks(count);
    const message = renderMessage(report({ locks, resolved: count ? [] : [resolved] }));

    expect(snsProblems(message.subject, message.json)).toEqual([]);
    const body = JSON.parse(message.json);
    expect(body).toEqual({ default: message.text, email: message.text, https: JSON.stringify(message.chat) });
    const shown = (message.text.match(/^ {8}terraform force-unlock /gm) ?? []).length;
    const more = /…and (\d+) more locks? in this table/.exec(message.text);
    expect(shown + Number(more?.[1] ?? 0)).toBe(count);
    expect(shown).toBe(Math.min(count, 100));
  });

  it.each<[string, number, number]>([
    ['500 locks with 2,000-character LockIDs', 500, 2000],
    ['5,000 locks with 2,000-character LockIDs', 5000, 2000],
    ['5,000 locks with short LockIDs', 5000, 0],
  ])('keeps %s under 256 KB and says how many it left out', (_name, count, pad) => {
    const message = renderMessage(report({ locks: staleLocks(count, pad) }));

    expect(Buffer.byteLength(message.json)).toBeLessThanOrEqual(MESSAGE_BUDGET_BYTES);
    expect(snsProblems(message.subject, message.json)).toEqual([]);
    const shown = (message.text.match(/^ {8}terraform force-unlock /gm) ?? []).length;
    const more = /…and (\d+) more locks in this table \((\d+) newly stale\)/.exec(message.text);
    expect(shown).toBeGreaterThan(0);
    expect(Number(more?.[1])).toBe(count - shown);
    expect(message.text).toContain('run `tf-lock-janitor list --region=eu-west-1` for all');
  });

  it('keeps the chat within the schema when everything happens at once', () => {
    const message = renderMessage(
      report({
        locks: [
          ...staleLocks(40),
          lock({ outcome: 'failed', decision: 'delete' }),
          lock({ outcome: 'deleted' }),
        ],
        tables: [table({ name: 'broken-locks', error: 'AccessDeniedException: not authorized' })],
        failures: [
          { kind: 'forget', message: 'could not forget the locks that are gone: ThrottlingException' },
        ],
        resolved: [resolved],
      }),
    );

    expect(snsProblems(message.subject, message.json)).toEqual([]);
    expect(message.chat.content.nextSteps).toHaveLength(5);
    expect(message.chat.content.nextSteps[3]).toBe(
      '40 other locks need a look: the e-mail has the commands for each',
    );
  });

  it('stays under 256 KB when thousands of tables fail with long errors', () => {
    const tables = Array.from({ length: 3000 }, (_, i) =>
      table({ name: `tf-locks-${i}`, error: `ThrottlingException: ${'slow down "now" \\ '.repeat(60)}` }),
    );
    const message = renderMessage(report({ tables, warnings: Array(500).fill('x\u0000'.repeat(400)) }));

    expect(snsProblems(message.subject, message.json)).toEqual([]);
    expect(message.text).toContain('message cut here to stay under the SNS 256 KB limit');
  });

  it('shows each lock with its state path, who, operation, age, rule, reason and both next steps', () => {
    const { text, chat } = renderMessage(report({ locks: [lock({ who: 'ELECTRO\\victorsh@LOGRUS' })] }));

    for (const expected of [
      `* ${LOCK_ID}`,
      'Who:        ELECTRO\\victorsh@LOGRUS',
      'Operation:  OperationTypeApply (version 1.9.8)',
      'Age:        5h 5m (Created 2025-03-14T09:26:53.589793238Z)',
      'Rule:       default',
      'Reason:     rule "default": age 5h 5m >= alertAfter 4h',
      'after `terraform workspace select staging`',
      `        terraform force-unlock ${ID}\n`,
      `        tf-lock-janitor release --table=acme-tf-locks --state-path=${LOCK_ID} --id=${ID} --region=eu-west-1`,
    ]) {
      expect(text).toContain(expected);
    }
    expect(chat.content.nextSteps).toContain(
      `Then, in its root module (workspace \`staging\`): \`terraform force-unlock ${ID}\``,
    );
  });

  it('groups by table, sections in order: table error, failed, deleted, changed, newly stale, resolved', () => {
    const locks = [
      lock({ lockId: 'b/stale.tfstate' }),
      lock({ lockId: 'b/changed.tfstate', outcome: 'changed', decision: 'delete' }),
      lock({ lockId: 'b/deleted.tfstate', outcome: 'deleted', decision: 'delete' }),
      lock({ lockId: 'b/failed.tfstate', outcome: 'failed', decision: 'delete' }),
      lock({ lockId: 'b/other.tfstate', table: 'zz-locks' }),
    ];
    const tables = [
      table({ name: 'acme-tf-locks', error: 'partial: ProvisionedThroughputExceededException' }),
    ];
    const { text } = renderMessage(report({ locks, tables, resolved: [resolved] }));

    const order = [
      '=== eu-west-1 / acme-tf-locks ===',
      'This table could not be read: partial: ProvisionedThroughputExceededException',
      '* b/failed.tfstate',
      '* b/deleted.tfstate',
      '* b/changed.tfstate',
      '* b/stale.tfstate',
      '* acme-tfstate/app.tfstate (ID',
      '=== eu-west-1 / zz-locks ===',
      '* b/other.tfstate',
    ].map((s) => text.indexOf(s));
    expect(order.every((at) => at >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it('lists run-level failures before the tables, in the text and in chat', () => {
    const failures: RunFailure[] = [
      { kind: 'audit', message: 'could not write the audit record: ThrottlingException' },
    ];
    const { text, chat, subject } = renderMessage(report({ failures, locks: [lock()] }));

    expect(text.indexOf(`- ${failures[0].message}`)).toBeGreaterThan(text.indexOf('Run failures:'));
    expect(text.indexOf('Run failures:')).toBeLessThan(text.indexOf('=== eu-west-1 / acme-tf-locks ==='));
    expect(chat.content.description).toContain(`run failure: \`${failures[0].message}\``);
    expect(chat.metadata.additionalContext.runFailures).toBe('1');
    expect(subject).toBe('tf-lock-janitor eu-west-1/acme-tf-locks: 1 run failure, 1 newly stale');
  });

  it('gives no unlock commands for locks that were deleted or changed', () => {
    const locks = [
      lock({ outcome: 'deleted', decision: 'delete' }),
      lock({ outcome: 'changed', decision: 'delete' }),
    ];
    const { text } = renderMessage(report({ locks }));
    expect(text).not.toContain('force-unlock');
    expect(text).toContain('Outcome:    deleted; the audit record keeps its full Info');
  });

  it.each<[string, string[], string]>([
    ['one table', ['acme-tf-locks'], 'tf-lock-janitor/eu-west-1/acme-tf-locks'],
    ['two tables in one region', ['acme-tf-locks', 'ops-tf-locks'], 'tf-lock-janitor/eu-west-1'],
  ])('threads the chat by the narrowest scope: %s', (_name, tables, expected) => {
    const { chat } = renderMessage(report({ locks: tables.map((t) => lock({ table: t })) }));
    expect(chat.metadata.threadId).toBe(expected);
  });

  it.each<[string, string[], string]>([
    ['two tables', ['acme-tf-locks', 'ops-tf-locks'], 'tf-lock-janitor 2 tables in eu-west-1: 2 newly stale'],
    [
      'a table and a bucket',
      ['acme-tf-locks', 's3://acme-tfstate'],
      'tf-lock-janitor 1 table and 1 bucket in eu-west-1: 2 newly stale',
    ],
    [
      'two buckets',
      ['s3://a-tfstate', 's3://b-tfstate'],
      'tf-lock-janitor 2 buckets in eu-west-1: 2 newly stale',
    ],
  ])('names the places of the news in the subject and chat title: %s', (_name, places, expected) => {
    const { subject, chat } = renderMessage(report({ locks: places.map((t) => lock({ table: t })) }));
    expect(subject).toBe(expected);
    expect(chat.content.title).toContain(expected);
  });

  it('threads news from several regions into the janitor-wide thread', () => {
    const { chat } = renderMessage(report({ locks: [lock(), lock({ region: 'us-east-1' })] }));
    expect(chat.metadata.threadId).toBe('tf-lock-janitor');
  });

  it('uses the release command it is given', () => {
    const { text } = renderMessage(report({ locks: [lock()] }), {
      releaseCommand: (l) => ({
        ok: true,
        command: `aws lambda invoke --payload '{"release":{"id":"${l.id}"}}'`,
      }),
    });
    expect(text).toContain(`aws lambda invoke --payload '{"release":{"id":"${ID}"}}'`);
  });

  it('shell-quotes a LockID with a single quote so the command reproduces it', () => {
    const lockId = "acme-tfstate/it's/terraform.tfstate";
    const { text } = renderMessage(report({ locks: [lock({ lockId })] }));
    expect(text).toContain(`--state-path='acme-tfstate/it'\\''s/terraform.tfstate' --id=${ID}`);
  });

  it('never shows hidden characters raw: bidi overrides, zero-width and non-characters become escapes', () => {
    const lockId = 'acme/\u202Eevil\u200B\uFFFF.tfstate';
    const { text, json } = renderMessage(report({ locks: [lock({ lockId })] }));

    expect(json).not.toMatch(/[\u202E\u200B\uFFFF]/);
    expect(text).toContain('* acme/\\u{202e}evil\\u{200b}\\u{ffff}.tfstate');
    expect(text).toContain(
      '(no shell command is shown: the LockID holds an invisible formatting character (bidi override, zero-width) (U+202E); run `tf-lock-janitor list --json` to see it escaped)',
    );
    expect(text).not.toContain('--state-path');
  });

  it.each<[string, string, string]>([
    ['a newline', 'acme/a\nb.tfstate', 'a control character (U+000A)'],
    ['a NUL', 'acme/a\u0000b.tfstate', 'a control character (U+0000)'],
    ['an escape sequence', 'acme/\u001b[2Ka.tfstate', 'a control character (U+001B)'],
    ['a line separator', 'acme/a\u2028b.tfstate', 'a line or paragraph separator (U+2028)'],
  ])('shows no release command, and says why, when the LockID holds %s', (_name, lockId, why) => {
    const { text, chat } = renderMessage(report({ locks: [lock({ lockId })] }));

    expect(text).toContain(
      `        (no shell command is shown: the LockID holds ${why}; run \`tf-lock-janitor list --json\``,
    );
    expect(text).not.toContain('--state-path');
    expect(text).toContain(`        terraform force-unlock ${ID}\n`);
    expect(chat.content.nextSteps).toContain(
      `Or release it safely: no shell command is shown: the LockID holds ${why}; run \`tf-lock-janitor list --json\` to see it escaped`,
    );
  });

  it('shows no force-unlock command, and says why, when the lock ID holds a control character', () => {
    const { text, chat } = renderMessage(report({ locks: [lock({ id: 'x\u0007y' })] }));

    expect(text).not.toContain('terraform force-unlock');
    expect(text).toContain('(no shell command is shown: the lock ID holds a control character (U+0007)');
    expect(chat.content.nextSteps.join('\n')).not.toContain('terraform force-unlock');
  });
});

describe('sanitizeSubject', () => {
  it.each<[string, string, string]>([
    ['plain text', 'tf-lock-janitor: 3 newly stale', 'tf-lock-janitor: 3 newly stale'],
    ['line breaks and tabs', 'a\r\nb\tc\u2028d', 'a b c d'],
    ['accents', 'état café', 'etat cafe'],
    ['emoji and CJK', 'locks 🚀 状态 ok', 'locks ? ? ok'],
    ['only symbols', '🚀\n\u0000', 'tf-lock-janitor notification'],
    ['empty', '', 'tf-lock-janitor notification'],
  ])('%s', (_name, input, expected) => {
    expect(sanitizeSubject(input)).toBe(expected);
  });

  it.each([
    ['a 300-character name', `tf-lock-janitor ${'a'.repeat(300)}`],
    ['newlines in a long name', `x${'\n'.repeat(50)}${'b'.repeat(200)}`],
    ['emoji, RTL and controls', `\u202E🚀 tbl\u0000\u001b[31m ${'ü'.repeat(150)}`],
  ])('keeps %s printable ASCII, at most 99 characters', (_name, input) => {
    const subject = sanitizeSubject(input);
    expect(subject).toMatch(/^[\x20-\x7e]{1,99}$/);
    expect(subject).toMatch(/^\S.*\S$/);
  });

  it('cuts a long subject with ...', () => {
    expect(sanitizeSubject('a'.repeat(300))).toBe(`${'a'.repeat(96)}...`);
  });

  it.each([
    ['a newline table', 'tf\nlocks'],
    ['an emoji table', '🔒-locks'],
    ['a 300-character table', 't'.repeat(300)],
  ])('renders a valid subject for %s', (_name, name) => {
    const { subject } = renderMessage(report({ locks: [lock({ table: name, lockId: `${name}/x` })] }));
    expect(subject).toMatch(/^[\x20-\x7e]{1,99}$/);
  });
});

describe('the chat schema check', () => {
  it('rejects a payload that breaks the schema', () => {
    const bad = {
      version: '2',
      source: 'aws',
      content: {
        textType: 'markdown',
        title: 'x',
        description: '',
        nextSteps: ['1', '2', '3', '4', '5', '6'],
        keywords: [],
      },
      metadata: { threadId: 't', summary: 's', eventType: 'e', additionalContext: { n: 1 } },
    };
    expect(chatProblems(bad)).toHaveLength(5);
  });
});

describe('chat escaping', () => {
  const planted = [
    '<!channel>',
    '<!here> please',
    '<@U123ABC>',
    '<https://evil.example|click here>',
    '[click](https://evil.example)',
    '**bold** _it_ ~gone~',
    '> quoted',
    'a`b`c',
    '&lt;!channel&gt;',
  ];

  it.each(planted)(
    'puts no mention, link or raw angle bracket from %j into the chat notification',
    (value) => {
      // Prepare
      const locks = [
        lock({ lockId: value, who: value, operation: value, rule: value, table: value, region: value }),
        lock({ outcome: 'failed', decision: 'delete', lockId: value, id: value }),
      ];
      const r = report({
        runId: value,
        regions: [value],
        locks,
        failures: [{ kind: 'audit', message: value }],
        tables: [table({ name: value, region: value, error: value })],
        resolved: [{ ...resolved, lockId: value, table: value }],
      });

      // Act
      const { chat } = renderMessage(r);
      const shown = JSON.stringify(chat);

      // Assess
      expect(shown).not.toMatch(/[<>]/);
      const { title, description, nextSteps, keywords } = chat.content;
      const markdown = [title, description, ...nextSteps, ...keywords, chat.metadata.summary];
      // Outside code spans, no markdown character a value brought may stay unescaped (our own bold `*` aside).
      const outsideCode = markdown.map((text) => text.replace(/`[^`\n]*`/g, '').replaceAll('*', ''));
      expect(outsideCode.filter((text) => /(^|[^\\])[[\]_~]/.test(text))).toEqual([]);
      expect(description.split('\n').filter((l) => l.startsWith('&gt;'))).toEqual([]);
    },
  );

  it('escapes markdown in plain-text values and keeps code spans whole', () => {
    const name = 'tf_locks*[x]';
    const { chat } = renderMessage(report({ locks: [lock({ table: name, who: 'a`b<c>', lockId: 'x&y' })] }));

    expect(chat.content.description).toContain('*eu-west-1 / tf\\_locks\\*\\[x\\]*');
    expect(chat.content.description).toContain("`x&amp;y` · `a'b&lt;c&gt;` · `OperationTypeApply`");
    expect(chat.content.title).toContain('tf\\_locks\\*\\[x\\]');
  });
});
