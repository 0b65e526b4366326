// Tests: the embedded demo tells its story.
import { runDemo } from '../bin/demo/demo';

describe('the embedded demo (npm start)', () => {
  it('alerts on the first run, deletes what the policy allows on the second, and shows the messages', async () => {
    const lines: string[] = [];
    const code = await runDemo((text) => lines.push(text));
    const output = lines.join('\n');
    expect(code).toBe(0);
    const [, first, second] = output.split(/=== Run \d[^=]*===/);
    expect(first).toContain('4 locks, 3 stale; 0 deleted, 3 alerted');
    expect(second).toContain('4 locks, 3 stale; 2 deleted, 1 alerted');
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
    expect(first).toContain('Subject: tf-lock-janitor us-east-1/acme-terraform-locks: 3 newly stale');
    expect(first).toContain('terraform force-unlock');
    expect(first).toContain('Notification: published');
    expect(first).toContain('"threadId": "tf-lock-janitor/us-east-1/acme-terraform-locks"');
    expect(output).toContain('Audit trail (2 deletions)');
  });
});
