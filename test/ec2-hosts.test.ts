// Tests: the EC2 holder host check against moto's EC2 (instances with private IPs), and against failing calls.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CreateNetworkInterfaceCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { Ec2HostDirectory, MAX_FILTER_VALUES } from '../lambda/adapters/ec2-hosts';
import { type Ec2Host, parseEc2Host } from '../lambda/core/evidence';
import { createSubnet, ec2TestClient, launchInstance } from './support/ec2';
import { MOTO_MISSING, type Moto, motoAvailable, startMoto } from './support/moto';

const REGION = 'eu-west-1';
const UNUSED_ID = 'i-0123456789abcdef0';

function host(who: string): Ec2Host {
  const parsed = parseEc2Host(who);
  if (!parsed) throw new Error(`${who} is not an EC2 host`);
  return parsed;
}

const suite = motoAvailable() ? describe : describe.skip;
if (!motoAvailable()) console.warn(MOTO_MISSING);

suite('Ec2HostDirectory against moto', () => {
  let moto: Moto;
  let subnetId: string;
  const sent: string[] = [];
  const setup = () => ec2TestClient(moto.endpoint, REGION);
  const directory = (pageSize?: number) =>
    new Ec2HostDirectory((region) => ec2TestClient(moto.endpoint, region, sent), { pageSize });

  const launch = (ip: string, hibernation = false) => launchInstance(setup(), subnetId, ip, { hibernation });

  beforeAll(async () => {
    moto = await startMoto();
  }, 60_000);
  afterAll(async () => moto?.stop());
  beforeEach(async () => {
    await moto.reset();
    sent.length = 0;
    subnetId = await createSubnet(setup());
  });

  it('finds a running instance by its private IP, in any of the hostname forms', async () => {
    const id = await launch('10.0.12.34');
    const holders = await directory().holders([
      { region: REGION, who: 'runner@ip-10-0-12-34' },
      { region: REGION, who: 'runner@ip-10-0-12-34.eu-west-1.compute.internal' },
    ]);
    expect(holders).toEqual([
      {
        outcome: 'running',
        host: 'ip-10-0-12-34',
        instanceId: id,
        state: 'running',
        reason: `host ip-10-0-12-34 (${id}) running`,
      },
      expect.objectContaining({ outcome: 'running', host: 'ip-10-0-12-34.eu-west-1.compute.internal' }),
    ]);
    // Both names are one IP: asked once.
    expect(sent).toEqual([`${REGION} DescribeInstancesCommand`]);
  });

  it('calls a terminated instance gone, by IP and by instance id', async () => {
    const id = await launch('10.0.12.40');
    await setup().send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    const holders = await directory().holders([
      { region: REGION, who: 'runner@ip-10-0-12-40' },
      { region: REGION, who: `runner@${id}` },
    ]);
    expect(holders[0]).toEqual({
      outcome: 'gone',
      host: 'ip-10-0-12-40',
      instanceId: id,
      state: 'terminated',
      reason: `host ip-10-0-12-40 (${id}) terminated`,
    });
    // moto's instance ids are 17 hex digits, like AWS's.
    expect(holders[1]).toMatchObject({ outcome: 'gone', instanceId: id, state: 'terminated' });
  });

  it('calls a stopped instance gone, unless it hibernates (its processes resume)', async () => {
    const plain = await launch('10.0.12.41');
    const sleeper = await launch('10.0.12.42', true);
    await setup().send(new StopInstancesCommand({ InstanceIds: [plain] }));
    await setup().send(new StopInstancesCommand({ InstanceIds: [sleeper], Hibernate: true }));
    const [stopped, hibernated] = await directory().holders([
      { region: REGION, who: 'ci@ip-10-0-12-41' },
      { region: REGION, who: 'ci@ip-10-0-12-42' },
    ]);
    expect(stopped).toMatchObject({ outcome: 'gone', state: 'stopped' });
    expect(hibernated).toMatchObject({
      outcome: 'running',
      state: 'stopped',
      reason: `host ip-10-0-12-42 (${sleeper}) stopped (hibernation on: its processes may resume)`,
    });
  });

  it('calls an IP or instance id EC2 has never seen gone', async () => {
    await launch('10.0.12.34');
    const holders = await directory().holders([
      { region: REGION, who: 'runner@ip-10-0-99-1' },
      { region: REGION, who: `runner@${UNUSED_ID}.eu-west-1.compute.internal` },
    ]);
    expect(holders).toEqual([
      {
        outcome: 'gone',
        host: 'ip-10-0-99-1',
        reason: 'host ip-10-0-99-1: no instance has the private IP 10.0.99.1 in eu-west-1',
      },
      expect.objectContaining({
        outcome: 'gone',
        reason: expect.stringContaining(`no instance ${UNUSED_ID}`),
      }),
    ]);
  });

  it('never calls an IP on a network interface gone (an ECS task, a Lambda function): unknown', async () => {
    const eni = await setup().send(
      new CreateNetworkInterfaceCommand({ SubnetId: subnetId, PrivateIpAddress: '10.0.12.60' }),
    );
    const id = eni.NetworkInterface?.NetworkInterfaceId;
    const [holder] = await directory().holders([
      { region: REGION, who: 'atlantis@ip-10-0-12-60.eu-west-1.compute.internal' },
    ]);
    expect(holder).toEqual({
      outcome: 'unknown',
      host: 'ip-10-0-12-60.eu-west-1.compute.internal',
      reason: `host ip-10-0-12-60.eu-west-1.compute.internal: its IP is on network interface ${id} (interface), not an instance: its holder may still run`,
    });
  });

  it('looks a host up in the region its name says, else in the lock region', async () => {
    await launch('10.0.12.34');
    const [named, bare] = await directory().holders([
      { region: 'us-east-1', who: 'runner@ip-10-0-12-34.eu-west-1.compute.internal' },
      // A bare name in another region's lock: looked up there, where no instance has it.
      { region: 'us-east-1', who: 'runner@ip-10-0-12-34' },
    ]);
    expect(named.outcome).toBe('running');
    expect(bare).toMatchObject({ outcome: 'gone', reason: expect.stringContaining('in us-east-1') });
    expect(sent.sort()).toEqual([
      'eu-west-1 DescribeInstancesCommand',
      'us-east-1 DescribeInstancesCommand',
      'us-east-1 DescribeNetworkInterfacesCommand',
    ]);
  });

  it('leaves a non-EC2 holder unknown without any call', async () => {
    const holders = await directory().holders([
      { region: REGION, who: 'alice@alices-mbp.local' },
      { region: REGION, who: 'runner@ip-10-0-12-34-evil.com' },
    ]);
    expect(holders.map((h) => h.outcome)).toEqual(['unknown', 'unknown']);
    expect(sent).toEqual([]);
  });

  it(`batches up to ${MAX_FILTER_VALUES} values a call and asks about each host once per run`, async () => {
    const id = await launch('10.0.12.7');
    const ips = Array.from({ length: 450 }, (_, i) => `runner@ip-10-1-${Math.floor(i / 250)}-${i % 250}`);
    const dir = directory();
    const hosts = [...ips.map(host), host('runner@ip-10-0-12-7'), host(`runner@${id}`)];
    const first = await dir.lookup(REGION, hosts);
    // 451 IPs: 3 calls, and 3 for the 450 no instance has; 1 instance id: 1 call.
    expect(sent.filter((c) => c.endsWith('DescribeInstancesCommand'))).toHaveLength(4);
    expect(sent.filter((c) => c.endsWith('DescribeNetworkInterfacesCommand'))).toHaveLength(3);
    expect([...first.values()].filter((h) => h.outcome === 'gone')).toHaveLength(450);
    expect(first.get('ip-10-0-12-7')).toMatchObject({ outcome: 'running', instanceId: id });
    expect(first.get(id)).toMatchObject({ outcome: 'running', instanceId: id });
    const again = await dir.lookup(REGION, hosts);
    expect(sent).toHaveLength(7);
    expect(again).toEqual(first);
  });

  it('follows the pages of an answer', async () => {
    const ids = [];
    for (let i = 50; i < 57; i++) ids.push(await launch(`10.0.12.${i}`));
    const holders = await directory(5).holders(
      ids.map((_, i) => ({ region: REGION, who: `ci@ip-10-0-12-${50 + i}` })),
    );
    expect(holders.map((h) => h.instanceId)).toEqual(ids);
    expect(holders.every((h) => h.outcome === 'running')).toBe(true);
    expect(sent).toHaveLength(2);
  });
});

describe('Ec2HostDirectory when DescribeInstances fails', () => {
  let server: Server;
  let endpoint: string;
  beforeAll(async () => {
    // An EC2-style error answer, parsed by the real SDK.
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(403, { 'content-type': 'text/xml' });
        res.end(
          '<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>You are not authorized to perform this operation.</Message></Error></Errors><RequestID>r-1</RequestID></Response>',
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('says unknown, never gone, when EC2 refuses the call', async () => {
    const directory = new Ec2HostDirectory((region) => ec2TestClient(endpoint, region));
    const [holder] = await directory.holders([{ region: REGION, who: 'runner@ip-10-0-12-34' }]);
    expect(holder).toEqual({
      outcome: 'unknown',
      host: 'ip-10-0-12-34',
      reason:
        'host ip-10-0-12-34: not checked (DescribeInstances in eu-west-1 failed: UnauthorizedOperation: You are not authorized to perform this operation.)',
      unread:
        'DescribeInstances in eu-west-1 failed: UnauthorizedOperation: You are not authorized to perform this operation.',
    });
  });

  it('says unknown when nothing answers (a stopped endpoint)', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const directory = new Ec2HostDirectory((region) => ec2TestClient(`http://127.0.0.1:${port}`, region));
    const holders = await directory.holders([
      { region: REGION, who: 'runner@ip-10-0-12-34' },
      { region: REGION, who: `runner@${UNUSED_ID}` },
    ]);
    expect(holders.map((h) => h.outcome)).toEqual(['unknown', 'unknown']);
    expect(holders[0].reason).toContain('DescribeInstances in eu-west-1 failed');
  });
});
