/**
 * `permgraph scan --collect aws`: one command collects live (moto in server mode, seeded through
 * the real SDK), imports the collection and runs the scan; the findings of the seeded admin
 * user are new, and the collector options without --collect are refused.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateUserCommand, IAMClient, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { cliEnv, resetGraph, testGraph } from '../helpers/graph.js';
import { type MotoServer, motoUnavailable, startMoto } from '../helpers/moto.js';

const skip = motoUnavailable();
const ACCOUNT = '123456789012';

describe.skipIf(skip !== null)('scan --collect aws against moto', () => {
  let moto: MotoServer;
  const env = () =>
    cliEnv({
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: 'us-east-1',
      PERMGRAPH_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'pg-scan-collect-data-')),
    });

  beforeAll(async () => {
    const graph = testGraph();
    await resetGraph(graph);
    await graph.close();
    moto = await startMoto();
    const iam = new IAMClient({
      region: 'us-east-1',
      endpoint: moto.endpoint,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    await iam.send(new CreateUserCommand({ UserName: 'root-like' }));
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'root-like',
        PolicyName: 'everything',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
        }),
      }),
    );
  }, 600_000);

  afterAll(async () => {
    await moto?.stop();
  });

  it('collects, imports and scans in one command', () => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'pg-scan-collect-')), 'collection');
    const r = runCli(
      [
        'scan',
        '--collect',
        'aws',
        '--endpoint-url',
        moto.endpoint,
        '--out',
        out,
        '--no-reports',
        '--format',
        'json',
      ],
      env(),
    );
    expect(r.stderr).not.toMatch(/Unexpected error/);
    expect(r.code).toBe(0);
    const body = JSON.parse(r.stdout) as {
      scopes: string[];
      collection: { out: string; accounts: { id: string }[] };
      new: { subjectId: string; queryId: string }[];
    };
    expect(body.collection.out).toBe(out);
    expect(body.collection.accounts.map((a) => a.id)).toEqual([ACCOUNT]);
    expect(existsSync(path.join(out, 'accounts', ACCOUNT, 'authorization-details.json'))).toBe(true);
    expect(body.scopes).toContain(`aws:${ACCOUNT}`);
    const admin = body.new.filter((f) => f.subjectId === `arn:aws:iam::${ACCOUNT}:user/root-like`);
    expect(admin.map((f) => f.queryId)).toContain('admin-wildcard-access');
  });

  it('refuses collector options without --collect, and an unknown provider', () => {
    const a = runCli(['scan', '--org', '--no-reports'], env());
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/--org: only with --collect/);
    const b = runCli(['scan', '--collect', 'nosuchcloud', '--no-reports'], env());
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/--collect nosuchcloud: live collection is available for aws/);
  });
});
