// Test support: lock and run reports built from defaults, for tests of what is rendered from a report.
import { buildReport, type LockReport, type RunReport } from '../../lambda/core/report';

/** A stale lock that was alerted on, in `eu-west-1/acme-tf-locks`; override any field. */
export function lockReport(overrides: Partial<LockReport> = {}): LockReport {
  return {
    region: 'eu-west-1',
    table: 'acme-tf-locks',
    lockId: 'acme-tfstate/app.tfstate',
    id: '3d5f0c2a-9b71-e4c8-1a6d-7f20b9e4c513',
    operation: 'OperationTypeApply',
    who: 'runner@ip-10-0-12-34',
    version: '1.9.8',
    created: '2025-03-14T09:26:53.589793238Z',
    ageSeconds: 7200,
    rule: 'default',
    decision: 'alert',
    outcome: 'alerted',
    reason: 'rule "default": age 2h >= alertAfter 1h',
    sightings: 1,
    notify: true,
    ...overrides,
  };
}

/** A run report holding `locks` (one table that holds them all, unless `parts` says otherwise); counts derived. */
export function runReport(locks: LockReport[], parts: Partial<Omit<RunReport, 'counts'>> = {}): RunReport {
  return buildReport({
    runId: 'run-7f3a',
    startedAt: '2025-03-14T14:32:00.000Z',
    finishedAt: '2025-03-14T14:32:02.415Z',
    mode: 'alert',
    regions: ['eu-west-1'],
    tables: [
      {
        region: 'eu-west-1',
        name: 'acme-tf-locks',
        items: locks.length,
        locks: locks.length,
        digests: 0,
        unparseable: 0,
      },
    ],
    buckets: [],
    locks,
    unparseable: [],
    resolved: [],
    warnings: [],
    failures: [],
    ...parts,
  });
}
