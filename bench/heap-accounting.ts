// Benchmark: what a sweep holds per lock, by kind of object and of string, from a heap snapshot (not part of `npm run bench`).
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { LAMBDA_BUILD, scratchDir } from './child-bundle';
import { heldLockItems } from './fixture';
import { withSeededTable } from './tables';

// Usage: npx tsx bench/heap-accounting.ts [LOCKS]   (default 10000)
// Seeds a table of only locks (as the bench's held-lock figure does), sweeps it in a fresh node process as the
// Lambda does (news lines kept, messages published, a memory that outlives the run), and prints what is live once every
// table is read: objects grouped by their property names (with how many hidden classes they use), and strings
// grouped by their text with digits and UUIDs blanked, each with its bytes per held lock.

const run = promisify(execFile);

async function main(): Promise<void> {
  const locks = Number(process.argv[2] ?? 10_000);
  const nowMs = Date.now();
  const scratch = await scratchDir();
  try {
    const child = path.join(scratch.dir, 'heap-child.cjs');
    // Not minified, so the snapshot keeps its names.
    await build({
      ...LAMBDA_BUILD,
      minify: false,
      entryPoints: [path.join(__dirname, 'heap-child.ts')],
      outfile: child,
    });
    const file = path.join(scratch.dir, 'held.heapsnapshot');
    await withSeededTable(`heap-${locks}`, heldLockItems(locks, nowMs), async (t) => {
      const { stdout } = await run(
        process.execPath,
        ['--expose-gc', child, t.engine.endpoint, t.table, String(nowMs), file],
        {
          env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
        },
      );
      const result = JSON.parse(stdout.trim()) as { locks: number; errors: number };
      if (result.locks !== locks || result.errors)
        throw new Error(`the child saw ${stdout.trim()}, expected ${locks} locks`);
    });
    process.stdout.write(account(JSON.parse(await readFile(file, 'utf8')) as Snapshot, locks));
  } finally {
    await scratch.dispose();
  }
}

/** The parts of V8's heap snapshot format read here. */
type Snapshot = {
  snapshot: {
    meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] };
  };
  nodes: number[];
  edges: number[];
  strings: string[];
};

type Tally = { count: number; bytes: number; maps: Set<number> };

/** The live heap by object shape and by string text; rows of at least a tenth of a byte per lock, largest first. */
function account(snap: Snapshot, locks: number): string {
  const { meta } = snap.snapshot;
  const [nodeTypes] = meta.node_types;
  const [edgeTypes] = meta.edge_types;
  const nf = meta.node_fields.length;
  const ef = meta.edge_fields.length;
  const at = (field: string) => meta.node_fields.indexOf(field);
  const [TYPE, NAME, SIZE, EDGES] = ['type', 'name', 'self_size', 'edge_count'].map(at);
  const [ETYPE, ENAME, ETO] = ['type', 'name_or_index', 'to_node'].map((f) => meta.edge_fields.indexOf(f));
  const { nodes, edges, strings } = snap;
  const objects = new Map<string, Tally>();
  const texts = new Map<string, Tally>();
  const tally = (map: Map<string, Tally>, key: string) =>
    map.get(key) ?? map.set(key, { count: 0, bytes: 0, maps: new Set() }).get(key)!;
  let total = 0;
  let shapes = 0;
  for (let n = 0, e = 0; n < nodes.length; n += nf) {
    const type = nodeTypes[nodes[n + TYPE]];
    const size = nodes[n + SIZE];
    total += size;
    if (type === 'object shape') shapes += size;
    if (type === 'string') {
      const text = strings[nodes[n + NAME]];
      const shape = text.replace(/[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}/g, '<uuid>').replace(/\d+/g, '#');
      const t = tally(texts, JSON.stringify(shape.slice(0, 60)));
      t.count++;
      t.bytes += size;
    } else if (type === 'object') {
      const props: string[] = [];
      let bytes = size;
      let map = -1;
      for (let k = 0; k < nodes[n + EDGES]; k++) {
        const edge = e + k * ef;
        const kind = edgeTypes[edges[edge + ETYPE]];
        const name = kind === 'element' || kind === 'hidden' ? '' : strings[edges[edge + ENAME]];
        if (kind === 'property') props.push(name);
        if (kind === 'internal' && name === 'properties') bytes += nodes[edges[edge + ETO] + SIZE];
        if (kind === 'internal' && name === 'map') map = edges[edge + ETO];
      }
      const t = tally(
        objects,
        `${strings[nodes[n + NAME]]} {${props.slice(0, 9).join(', ')}${props.length > 9 ? ', …' : ''}}`,
      );
      t.count++;
      t.bytes += bytes;
      t.maps.add(map);
    }
    e += nodes[n + EDGES] * ef;
  }
  const rows = (map: Map<string, Tally>, withMaps: boolean) =>
    [...map]
      .filter(([, t]) => t.bytes / locks >= 0.1)
      .sort((a, b) => b[1].bytes - a[1].bytes)
      .slice(0, 15)
      .map(
        ([key, t]) =>
          `  ${(t.bytes / locks).toFixed(1).padStart(7)} B/lock  ${String(t.count).padStart(8)} × ${withMaps ? `(${t.maps.size} hidden classes) ` : ''}${key}`,
      );
  return [
    `Live heap once every table is read, ${locks} held locks: ${(total / 1048576).toFixed(1)} MB (${(total / locks).toFixed(0)} B per lock, the code and the SDK included)`,
    'Objects by their property names (bytes: the object and its out-of-object properties):',
    ...rows(objects, true),
    `Hidden classes and their descriptors ('object shape'), all of them: ${(shapes / locks).toFixed(1)} B/lock`,
    'Strings by their text (digits and UUIDs blanked):',
    ...rows(texts, false),
    '',
  ].join('\n');
}

void main();
