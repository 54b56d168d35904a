import path from 'node:path';
import { SnapshotWriter } from '../../ingest/snapshot/write.js';

/**
 * A synthetic one-account snapshot: users, groups, memberships, roles and trusts, with
 * deterministic ids. Used for load-scale and fault tests.
 */
export async function writeSyntheticSnapshot(
  dir: string,
  opts: {
    scanId: string;
    account?: string;
    users: number;
    groups: number;
    membershipsPerUser: number;
    roles?: number;
    complete?: boolean;
    tag?: string;
  },
): Promise<string> {
  const account = opts.account ?? '333333333333';
  const w = new SnapshotWriter(path.join(dir, `${opts.scanId}.json`));
  const root = `arn:aws:iam::${account}:root`;
  await w.node({
    id: root,
    kind: 'AWSAccount',
    name: account,
    account,
    props: { accountId: account, collected: true },
  });
  for (let g = 0; g < opts.groups; g++) {
    await w.node({ id: `arn:aws:iam::${account}:group/g${g}`, kind: 'AWSGroup', name: `g${g}`, account });
  }
  for (let u = 0; u < opts.users; u++) {
    const id = `arn:aws:iam::${account}:user/u${u}`;
    await w.node({
      id,
      kind: 'AWSUser',
      name: `u${u}`,
      account,
      props: { arn: id, mfaEnabled: u % 3 === 0, tags: { tag: opts.tag ?? 'a' } },
    });
    await w.edge({ type: 'AWS_CONTAINS', source: root, target: id });
    for (let m = 0; m < opts.membershipsPerUser; m++) {
      await w.edge({
        type: 'AWS_MEMBER_OF',
        source: id,
        target: `arn:aws:iam::${account}:group/g${(u * 31 + m * 17) % opts.groups}`,
      });
    }
  }
  for (let r = 0; r < (opts.roles ?? 0); r++) {
    const id = `arn:aws:iam::${account}:role/r${r}`;
    await w.node({ id, kind: 'AWSRole', name: `r${r}`, account, props: { arn: id } });
    await w.edge({ type: 'AWS_TRUSTS', source: id, target: root, key: '0' });
  }
  return w.close({
    schemaVersion: '1.0',
    scanId: opts.scanId,
    provider: 'aws',
    createdAt: '2026-11-01T00:00:00Z',
    source: { kind: 'synthetic' },
    scopes: [{ id: `aws:${account}`, provider: 'aws', kind: 'account', complete: opts.complete ?? true }],
  });
}
