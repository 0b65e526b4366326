// Benchmark: the floor of an account-scale run, as a node script: what any tool reading the same places must send.

/**
 * Run as `node floor.cjs <dynamodb sdk> <s3 sdk> <endpoint> <regions,> <table regex> <buckets JSON>`: in every
 * region ListTables (paginated) and a consistent Scan of each matching table with the sweep's projection and
 * digest filter; in every bucket a ListObjectsV2 (url-encoded keys) and one GetObject per `.tflock` key; at most
 * 32 requests in flight in all, in one process. Prints the counts as JSON.
 */
export const FLOOR_JS = `
const { DynamoDBClient, ListTablesCommand, ScanCommand } = require(process.argv[2]);
const { S3Client, ListObjectsV2Command, GetObjectCommand } = require(process.argv[3]);
const [endpoint, regionList, tableRegex, bucketsJson] = process.argv.slice(4);
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const AT_ONCE = 32;
let inFlight = 0;
const waiting = [];
async function call(client, command) {
  if (inFlight >= AT_ONCE) await new Promise((r) => waiting.push(r));
  inFlight++;
  try { return await client.send(command); }
  finally { inFlight--; const next = waiting.shift(); if (next) next(); }
}
const counts = { tables: 0, items: 0, objects: 0, lockfiles: 0 };
const match = new RegExp(tableRegex);
async function scanTable(client, TableName) {
  let start;
  do {
    const page = await call(client, new ScanCommand({ TableName, ConsistentRead: true, ExclusiveStartKey: start,
      ProjectionExpression: '#k, #i, #d', ExpressionAttributeNames: { '#k': 'LockID', '#i': 'Info', '#d': 'Digest' },
      FilterExpression: 'attribute_exists(#i) OR attribute_not_exists(#d)' }));
    counts.items += page.ScannedCount;
    start = page.LastEvaluatedKey;
  } while (start);
  counts.tables++;
}
async function region(name) {
  const client = new DynamoDBClient({ endpoint, region: name, credentials });
  const scans = [];
  let start;
  do {
    const page = await call(client, new ListTablesCommand({ ExclusiveStartTableName: start }));
    for (const t of page.TableNames) if (match.test(t)) scans.push(scanTable(client, t));
    start = page.LastEvaluatedTableName;
  } while (start);
  await Promise.all(scans);
}
const s3 = new Map();
const s3For = (region) => {
  if (!s3.has(region)) s3.set(region, new S3Client({ endpoint, region, credentials, forcePathStyle: true }));
  return s3.get(region);
};
async function bucket({ name, region }) {
  const client = s3For(region);
  const reads = [];
  let token;
  do {
    const page = await call(client, new ListObjectsV2Command({ Bucket: name, ContinuationToken: token, EncodingType: 'url' }));
    for (const o of page.Contents ?? []) {
      counts.objects++;
      const key = decodeURIComponent(o.Key.replace(/\\+/g, ' '));
      if (key.endsWith('.tflock')) reads.push(call(client, new GetObjectCommand({ Bucket: name, Key: key }))
        .then((r) => r.Body.transformToByteArray()).then(() => { counts.lockfiles++; }));
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  await Promise.all(reads);
}
Promise.all([...regionList.split(',').map(region), ...JSON.parse(bucketsJson).map(bucket)]).then(() =>
  process.stdout.write(JSON.stringify(counts)));
`;
