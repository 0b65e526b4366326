// CLI: the local audit file: every deletion's intent and record appended, with its full Info, before and after.
import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { MemoryStateStore } from '../lambda/adapters/memory-state-store';
import type { AuditRecord } from '../lambda/core/ports';

/**
 * The CLI's memory when `--audit-file FILE` is given without a state table: one run's memory, and an append-only
 * JSON Lines file that receives each intent before its delete (no intent written, no delete) and each audit
 * record after it, each line synced to disk before the run goes on.
 */
export class AuditFileStateStore extends MemoryStateStore {
  /** Lines appended by this run. */
  appended = 0;

  constructor(readonly file: string) {
    super({ singleRun: true });
  }

  override async recordIntent(intent: AuditRecord): Promise<void> {
    this.append({ record: 'intent', ...intent });
    await super.recordIntent(intent);
  }

  override async audit(record: AuditRecord): Promise<void> {
    this.append({ record: 'audit', ...record });
    await super.audit(record);
  }

  private append(line: object): void {
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    const fd = openSync(this.file, 'a', 0o600);
    try {
      writeSync(fd, `${JSON.stringify(line)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    this.appended++;
  }
}

/**
 * Where `release` records its deletion when given neither `--state-table` nor `--audit-file`: the XDG state
 * directory (`$XDG_STATE_HOME`, else `~/.local/state`), `tf-lock-janitor/audit.jsonl`. A release from the CLI is
 * thus never unrecorded, and the file is named in its output.
 */
export function defaultAuditFile(env: NodeJS.ProcessEnv = process.env): string {
  const state = env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
  return join(state, 'tf-lock-janitor', 'audit.jsonl');
}
