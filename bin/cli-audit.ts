// CLI: the local audit file: every deletion's intent and record appended, with its full Info, before and after.
import { closeSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, writeSync } from 'node:fs';
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

  /**
   * Appends one whole line and syncs it, or throws and leaves the file as it was: a write the disk cannot finish
   * (full, over a size limit) may have written part of the line, which is cut off again, so no half record is
   * read as one and the next line does not run on from it.
   */
  private append(line: object): void {
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    const fd = openSync(this.file, 'a', 0o600);
    try {
      const size = fstatSync(fd).size;
      try {
        writeAll(fd, Buffer.from(`${JSON.stringify(line)}\n`));
        fsyncSync(fd);
      } catch (e) {
        try {
          ftruncateSync(fd, size);
        } catch {
          // The error that stopped the write is the one to report.
        }
        throw e;
      }
    } finally {
      closeSync(fd);
    }
    this.appended++;
  }
}

/** Writes every byte: a write may take part of a buffer (a full disk, a size limit) before the next one fails. */
function writeAll(fd: number, bytes: Buffer): void {
  for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at);
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
