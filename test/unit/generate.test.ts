import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateAwsEstate, type PlantedPath } from '../../ingest/generate/aws-estate.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'pg-generate-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function treeHashes(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[path.relative(dir, p)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

type Json = Record<string, unknown>;
const decode = (s: unknown) => JSON.parse(decodeURIComponent(String(s))) as Json;

describe('estate generator', () => {
  it('writes the same bytes for the same seed, and different bytes for another seed', async () => {
    const a = await generateAwsEstate({ size: 'S', seed: 42, out: path.join(tmp, 'a') });
    const b = await generateAwsEstate({ size: 'S', seed: 42, out: path.join(tmp, 'b') });
    const c = await generateAwsEstate({ size: 'S', seed: 43, out: path.join(tmp, 'c') });
    const ha = treeHashes(a.dir);
    expect(Object.keys(ha).length).toBeGreaterThan(10);
    expect(treeHashes(b.dir)).toEqual(ha);
    expect(treeHashes(c.dir)).not.toEqual(ha);
    // The manifest records the SHA-256 of every other file.
    const manifest = JSON.parse(readFileSync(path.join(a.dir, 'permgraph-aws-collection.json'), 'utf8'));
    for (const [file, sha] of Object.entries(manifest.generated.files as Record<string, string>))
      expect(ha[file], file).toBe(sha);
  });

  it('emits the collection layout with URL-encoded documents, realistic ratios and a consistent answer key', async () => {
    const r = await generateAwsEstate({ size: 'S', seed: 7, out: path.join(tmp, 'layout') });
    const manifest = JSON.parse(readFileSync(path.join(r.dir, 'permgraph-aws-collection.json'), 'utf8'));
    expect(manifest.format).toBe('permgraph-aws-collection');
    expect(manifest.version).toBe(1);
    expect(manifest.accounts).toHaveLength(2);
    const org = JSON.parse(readFileSync(path.join(r.dir, 'organization.json'), 'utf8'));
    expect(org.Organization.MasterAccountId).toBe(manifest.managementAccountId);
    expect(org.Accounts.map((x: Json) => x.Id).sort()).toEqual(
      manifest.accounts.map((x: Json) => x.id).sort(),
    );
    expect(org.Policies.some((p: Json) => (p.PolicySummary as Json).Type === 'SERVICE_CONTROL_POLICY')).toBe(
      true,
    );

    const principals = new Set<string>();
    let users = 0;
    let roles = 0;
    let wildcard = 0;
    let actions = 0;
    for (const { id } of manifest.accounts as { id: string }[]) {
      const dir = path.join(r.dir, 'accounts', id);
      const auth = JSON.parse(readFileSync(path.join(dir, 'authorization-details.json'), 'utf8'));
      expect(Object.keys(auth)).toEqual([
        'UserDetailList',
        'GroupDetailList',
        'RoleDetailList',
        'Policies',
        'IsTruncated',
      ]);
      for (const u of auth.UserDetailList) {
        principals.add(u.Arn);
        users++;
        for (const p of u.UserPolicyList) expect(typeof p.PolicyDocument).toBe('string');
      }
      for (const g of auth.GroupDetailList) principals.add(g.Arn);
      for (const role of auth.RoleDetailList) {
        principals.add(role.Arn);
        roles++;
        expect(role.AssumeRolePolicyDocument).toMatch(/^%7B/);
        expect(decode(role.AssumeRolePolicyDocument).Statement).toBeInstanceOf(Array);
      }
      for (const p of auth.Policies) {
        const doc = decode(p.PolicyVersionList.find((v: Json) => v.IsDefaultVersion).Document);
        for (const s of doc.Statement as Json[]) {
          const list = s.Action === undefined ? [] : Array.isArray(s.Action) ? s.Action : [s.Action];
          actions += list.length;
          wildcard += list.filter((a: string) => a.includes('*')).length;
        }
      }
      const advisor = JSON.parse(readFileSync(path.join(dir, 'access-advisor.json'), 'utf8'));
      expect(advisor.length).toBeGreaterThan(0);
      expect(advisor[0].ServicesLastAccessed).toBeInstanceOf(Array);
      const keys = JSON.parse(readFileSync(path.join(dir, 'access-keys.json'), 'utf8'));
      expect(keys[0].AccessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
      expect(readFileSync(path.join(dir, 'credential-report.csv'), 'utf8')).toMatch(
        /^user,arn,user_creation_time/,
      );
    }
    // ~1,000 principals, mostly roles; some wildcard actions, but not most.
    expect(principals.size).toBeGreaterThan(900);
    expect(principals.size).toBeLessThan(1300);
    expect(roles).toBeGreaterThan(users * 3);
    expect(wildcard / actions).toBeGreaterThan(0.02);
    expect(wildcard / actions).toBeLessThan(0.3);

    const planted = JSON.parse(readFileSync(path.join(r.dir, 'planted.json'), 'utf8')) as {
      seed: number;
      paths: PlantedPath[];
    };
    expect(planted.seed).toBe(7);
    const techniques = new Set(planted.paths.flatMap((p) => p.techniques));
    expect(techniques.size).toBeGreaterThanOrEqual(10);
    expect(Math.max(...planted.paths.map((p) => p.length))).toBeGreaterThanOrEqual(3);
    for (const p of planted.paths) {
      expect(principals.has(p.principal), p.principal).toBe(true);
      expect(p.length).toBe(p.hops.length);
      expect(p.hops[0]?.from).toBe(p.principal);
      expect(p.hops.at(-1)?.to).toBe(p.target);
      for (const h of p.hops)
        if (!h.to.startsWith('aws-admin:')) expect(principals.has(h.to), h.to).toBe(true);
    }
  });
});
