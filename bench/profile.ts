// Benchmark: a CPU profile of one sweep.
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';

type ProfileNode = { id: number; callFrame: { url: string; functionName: string } };
type Profile = { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };

/** Runs `fn` under the V8 CPU profiler (what `--cpu-prof` records), writes the profile, and summarises it. */
export async function withCpuProfile<T>(file: string, fn: () => Promise<T>): Promise<[T, string]> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  try {
    const result = await fn();
    const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: Profile };
    await writeFile(file, JSON.stringify(profile));
    return [result, summarise(profile)];
  } finally {
    session.disconnect();
  }
}

/** Self time by package (node_modules), project file or runtime bucket, biggest first. */
export function summarise(profile: Profile, top = 15): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfMs = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const { url, functionName } = byId.get(id)!.callFrame;
    const key =
      sourceOf(url) ?? (functionName.startsWith('(') ? functionName : `(${functionName || 'anonymous'})`);
    selfMs.set(key, (selfMs.get(key) ?? 0) + profile.timeDeltas[i] / 1000);
  });
  const busy = [...selfMs].filter(([k]) => k !== '(idle)');
  const total = busy.reduce((sum, [, ms]) => sum + ms, 0);
  return busy
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(
      ([k, ms]) => `${ms.toFixed(0).padStart(7)} ms ${((ms / total) * 100).toFixed(1).padStart(5)} %  ${k}`,
    )
    .join('\n');
}

function sourceOf(url: string): string | undefined {
  if (!url) return undefined;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  const project = /\/((?:lambda|bench|bin)\/.*)$/.exec(url);
  return project ? project[1] : url.startsWith('node:') ? url : url.replace(/^file:\/\//, '');
}
