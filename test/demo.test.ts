// Tests: the embedded demo tells its story.
import { COMMANDS } from '../bin/commands';
import { runDemo } from '../bin/demo/demo';

describe('the embedded demo (npm start)', () => {
  it('alerts on the first run, deletes what the policy allows on the second, and shows the messages', async () => {
    const lines: string[] = [];
    const code = await runDemo((text) => lines.push(text));
    const output = lines.join('\n');
    expect(code).toBe(0);
    const [, first, second] = output.split(/=== Run \d[^=]*===/);
    // Counts equal the messages: one double lock is one lock, and nothing was "alerted earlier" on a first run.
    expect(first).toContain('1 state bucket (3 lockfiles): 7 locks, 5 stale; 0 deleted, 5 alerted, 0 unsent');
    expect(first).toContain('Subject: tf-lock-janitor 1 table and 1 bucket in us-east-1: 5 newly stale');
    expect(first).not.toContain('alerted earlier');
    expect(second).toContain('7 locks, 5 stale; 4 deleted, 0 alerted, 0 unsent, 1 alerted earlier');
    expect(second).toContain('Subject: tf-lock-janitor 1 table and 1 bucket in us-east-1: 4 deleted');
    expect(second).toContain('1 stale lock alerted earlier is not repeated here.');
    // A stale lockfile alone (S3 locking), and both halves of a stale double lock, deleted on the second run.
    expect(second).toMatch(
      /s3:\/\/acme-tfstate\s+acme-tfstate\/ci\/lockfile-only\/terraform.tfstate .*delete\s+deleted/,
    );
    expect(second).toMatch(
      /acme-terraform-locks \+double\s+acme-tfstate\/services\/web\/terraform.tfstate .*delete\s+deleted/,
    );
    expect(second).toMatch(
      /s3:\/\/acme-tfstate \+double\s+acme-tfstate\/services\/web\/terraform.tfstate .*delete\s+deleted/,
    );
    expect(second).toMatch(
      /s3:\/\/acme-tfstate\s+acme-tfstate\/network\/vpc\/terraform.tfstate .*keep\s+kept/,
    );
    expect(second).toMatch(
      /acme-tfstate\/services\/api\/terraform.tfstate\s+plan\s+runner@ip-10-0-12-34\s+3h 15m\s+delete\s+deleted/,
    );
    expect(second).toMatch(
      /acme-tfstate\/network\/terraform.tfstate\s+apply\s+alice@alice-mbp.local\s+19m\s+keep\s+kept/,
    );
    expect(output).toContain(
      'unparseable item in acme-terraform-locks: acme-tfstate/broken/terraform.tfstate: Info is not JSON',
    );
    expect(output).not.toContain('sandbox-terraform-locks');
    expect(first).toContain('Subject: tf-lock-janitor 1 table and 1 bucket in us-east-1: 5 newly stale');
    expect(first).toContain('terraform force-unlock');
    expect(first).toContain('Notification: published');
    expect(first).toContain('"threadId": "tf-lock-janitor/us-east-1"');
    // The e-mail offers the deployed janitor's own release; chat gets one notification per stale lock with the
    // variables its Release button reads.
    expect(first).toContain(
      'aws lambda invoke --function-name tf-lock-janitor --region us-east-1 --cli-binary-format raw-in-base64-out --payload \'{"release":',
    );
    expect(output).not.toContain('npx');
    expect(
      first.match(
        /--- Slack \/ Teams notification \d \(TfLockJanitorStaleLock, thread tf-lock-janitor\/us-east-1\/acme-terraform-locks\) ---/g,
      ),
    ).toHaveLength(4);
    const [, payload, decoded] =
      /Button variable payload = event\.metadata\.additionalContext\.releasePayload = (\S+)\n {2}decoded: (.*)/.exec(
        first,
      ) ?? [];
    expect(Buffer.from(payload, 'base64').toString('utf8')).toBe(decoded);
    expect(JSON.parse(decoded).release).toMatchObject({ table: 'acme-terraform-locks', requestedBy: 'chat' });
    expect(output).toContain('Audit trail (5 records of 4 deleted locks; a double lock has one per half)');
  });

  it('is what `demo --help` says: two janitor runs 15 minutes apart, their messages, then the audit trail', async () => {
    const lines: string[] = [];
    await runDemo((text) => lines.push(text));
    const output = lines.join('\n');
    expect(COMMANDS.demo.about).toContain('runs the janitor twice, 15 minutes apart');
    expect(output.match(/^=== Run \d/gm)).toEqual(['=== Run 1', '=== Run 2']);
    expect(output).toContain('=== Run 2 (15 minutes later) ===');
    expect(output).toContain('--- The SNS message (e-mail) ---');
    expect(output).toContain('--- The same run for Slack / Teams');
    expect(output.lastIndexOf('Audit trail')).toBeGreaterThan(output.lastIndexOf('=== Run 2'));
  });
});
