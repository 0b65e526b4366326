import { accountScale } from './bench/account-scale';
import { scratchDir } from './bench/child-bundle';
(async () => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const s = await scratchDir();
  const t = Number(process.env.T ?? 30), b = Number(process.env.B ?? 3), step = Number(process.env.S ?? 1000);
  const r = await accountScale(s, { tables: t, itemsPerTable: 200, buckets: b, objectsStep: step, reps: Number(process.env.R ?? 1) }, Date.now(), (x) => console.error(x));
  console.log(JSON.stringify(r.scenarios.map((s) => ({ name: s.name, janitor: s.janitor.median, floor: s.floor.median, ratio: s.ratio.median, rss: s.janitorPeakRssMB.median, jr: s.janitorRequests }))));
  await s.dispose();
})();
