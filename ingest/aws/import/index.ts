/**
 * AWS input formats: `aws iam get-account-authorization-details` output files and the
 * collection directory written by `permgraph collect aws` (docs/aws-collection-layout.md).
 * Each account becomes one snapshot (scopes `aws:<account>` and `aws:global`), the
 * organization one more (`aws:<orgId>`).
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, readSync, renameSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { AppError, errorMessage } from '../../../cypher/errors.js';
import type { ConvertResult, ImportContext, InputFormat } from '../../pipeline.js';
import type { SnapshotGap, SnapshotScope } from '../../snapshot/types.js';
import { accountScope, GLOBAL_SCOPE } from './arn.js';
import { type AccountContext, AuthDetailsConverter } from './auth-details.js';
import { SnapshotBuilder } from './builder.js';
import { emitOrganization, type OrgInfo, readOrgInfo } from './organization.js';
import { emitResources, RESOURCE_FILES } from './resources.js';
import { emitAccessAdvisor, emitAccessKeys, parseCredentialReport, userExtras } from './usage.js';

export const MANIFEST = 'permgraph-aws-collection.json';
const AUTH_HEAD =
  /"(UserDetailList|GroupDetailList|RoleDetailList)"\s*:\s*\[|"Policies"\s*:\s*\[\s*\{[^\]]*"PolicyVersionList"/;
const HEAD_ACCOUNT = /"Arn"\s*:\s*"arn:[^:"]+:iam::(\d{12}):/;

type Obj = Record<string, unknown>;

const stamp = (d: Date) =>
  d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');

function hashFiles(files: string[]): string {
  const h = createHash('sha256');
  for (const f of files) {
    h.update(f);
    if (existsSync(f) && statSync(f).isFile()) h.update(readFileSync(f));
  }
  return h.digest('hex').slice(0, 10);
}

async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new AppError(
      'SNAPSHOT_UNREADABLE',
      `${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? errorMessage(err)})`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new AppError('INPUT_UNRECOGNIZED', `${file}: not valid JSON (${errorMessage(err)})`);
  }
}

const asArray = (v: unknown, file: string): Obj[] => {
  if (!Array.isArray(v))
    throw new AppError('INPUT_UNRECOGNIZED', `${file}: expected a JSON array at the top level`);
  return v as Obj[];
};

export interface AccountInput {
  /** Known account id (collection directory); learnt from the ARNs otherwise. */
  account: string | null;
  authDetails: string[];
  accessAdvisor?: string;
  accessKeys?: string;
  credentialReport?: string;
  resourcesDir?: string;
  complete: boolean;
  gaps: SnapshotGap[];
  org: OrgInfo | null;
  source: { kind: string; files: string[]; tool?: string };
}

export interface ConvertedAccount {
  file: string;
  account: string;
  complete: boolean;
  quarantined: number;
  warnings: string[];
}

/** Converts the data of one account into one snapshot file. */
export async function convertAccount(input: AccountInput, ctx: ImportContext): Promise<ConvertedAccount> {
  const inputs = [
    ...input.authDetails,
    ...[input.accessAdvisor, input.accessKeys, input.credentialReport].filter((f): f is string => Boolean(f)),
    ...(input.resourcesDir ? RESOURCE_FILES.map((f) => path.join(input.resourcesDir!, f)) : []),
  ];
  const hash = hashFiles(inputs);
  const tmpName = path.join(ctx.outDir, `aws-import-${process.pid}-${hash}.json`);
  const b = new SnapshotBuilder(tmpName);
  const actx: AccountContext = { account: input.account, tenant: input.org?.orgId ?? null, users: new Map() };
  const conv = new AuthDetailsConverter(b, actx);
  const warnings: string[] = [];
  try {
    const report = input.credentialReport
      ? parseCredentialReport(await readFile(input.credentialReport, 'utf8'), input.credentialReport)
      : null;
    const keys = input.accessKeys ? asArray(await readJson(input.accessKeys), input.accessKeys) : null;
    userExtras(actx, report, keys);
    for (const f of input.authDetails) await conv.convertFile(f);
    if (!actx.account)
      throw new AppError(
        'INPUT_UNRECOGNIZED',
        `${input.authDetails.join(', ') || 'collection'}: cannot tell which account the data belongs to (no IAM ARN of an account in it)`,
      );
    const account = actx.account;
    const orgAccount = input.org?.accounts.get(account);
    await conv.finish({
      name: orgAccount?.name ?? null,
      email: orgAccount?.email ?? null,
      status: orgAccount?.status ?? null,
      isManagement: input.org ? input.org.managementAccountId === account : null,
    });
    if (keys) {
      await emitAccessKeys(
        b,
        actx,
        keys,
        (name) => `arn:aws:iam::${account}:user/${name}`,
        input.accessKeys!,
      );
    }
    if (input.accessAdvisor)
      emitAccessAdvisor(
        b,
        asArray(await readJson(input.accessAdvisor), input.accessAdvisor),
        input.accessAdvisor,
      );
    if (input.resourcesDir) {
      for (const f of RESOURCE_FILES) {
        const file = path.join(input.resourcesDir, f);
        if (existsSync(file)) await emitResources(b, conv, f, await readJson(file), file);
      }
    }
    for (const g of input.gaps) b.gap(g);
    for (const g of b.gaps) if (g.reason === 'Quarantined') warnings.push(g.message);
    const complete = input.complete && conv.quarantined === 0;
    if (conv.quarantined > 0)
      warnings.push(
        `aws:${account}: ${conv.quarantined} policy document(s) quarantined; the account is marked partial, so its previous data is kept`,
      );
    const scanId = `aws-${account}-${stamp(ctx.now)}-${hash}`;
    const scopes: SnapshotScope[] = [
      {
        id: accountScope(account),
        provider: 'aws',
        kind: 'account',
        name: orgAccount?.name ?? account,
        complete,
      },
      { id: GLOBAL_SCOPE, provider: 'aws', kind: 'global', complete: true },
    ];
    const target = path.join(ctx.outDir, `${scanId}.json`);
    await b.close({ scanId, createdAt: ctx.now.toISOString(), source: input.source, scopes });
    renameSync(tmpName, target);
    ctx.log(`converted ${input.source.files.length} file(s) of account ${account}`, {
      snapshot: target,
      ...b.counts,
    });
    return { file: target, account, complete, quarantined: conv.quarantined, warnings };
  } catch (err) {
    await b.abort();
    throw err;
  }
}

/** Converts organization.json into the organization scope's snapshot. */
export async function convertOrganization(
  file: string,
  gaps: SnapshotGap[],
  ctx: ImportContext,
  tool?: string,
): Promise<{ file: string; warnings: string[] }> {
  const doc = (await readJson(file)) as Obj;
  const info = readOrgInfo(doc, file);
  const hash = hashFiles([file]);
  const scanId = `aws-${info.orgId}-${stamp(ctx.now)}-${hash}`;
  const b = new SnapshotBuilder(path.join(ctx.outDir, `${scanId}.json`));
  try {
    const quarantined = await emitOrganization(b, doc, file);
    const scope = `aws:${info.orgId}`;
    const own = gaps.filter((g) => g.scope === scope);
    for (const g of own) b.gap(g);
    const complete = quarantined === 0 && own.length === 0;
    const out = await b.close({
      scanId,
      createdAt: ctx.now.toISOString(),
      source: { kind: 'aws-organization', files: [file], ...(tool ? { tool } : {}) },
      scopes: [
        { id: scope, provider: 'aws', kind: 'organization', name: info.orgId, complete },
        { id: GLOBAL_SCOPE, provider: 'aws', kind: 'global', complete: true },
      ],
    });
    return { file: out, warnings: b.gaps.filter((g) => g.reason === 'Quarantined').map((g) => g.message) };
  } catch (err) {
    await b.abort();
    throw err;
  }
}

/** `aws iam get-account-authorization-details` output (one file per account, or several). */
export const authDetailsFormat: InputFormat = {
  id: 'aws-authorization-details',
  provider: 'aws',
  description: 'AWS IAM authorization details (aws iam get-account-authorization-details)',
  detect: (head) => /^\s*\{/.test(head) && AUTH_HEAD.test(head),
  async toSnapshots(files: string[], ctx: ImportContext): Promise<ConvertResult> {
    // Files of the same account load together (one complete scope); others one by one.
    const groups = new Map<string, string[]>();
    for (const f of files) {
      const acct = accountInHead(f) ?? `file:${f}`;
      groups.set(acct, [...(groups.get(acct) ?? []), f]);
    }
    const snapshots: string[] = [];
    const warnings: string[] = [];
    for (const group of groups.values()) {
      const r = await convertAccount(
        {
          account: null,
          authDetails: group,
          complete: true,
          gaps: [],
          org: null,
          source: { kind: 'aws-authorization-details', files: group.map((f) => path.resolve(f)) },
        },
        ctx,
      );
      snapshots.push(r.file);
      warnings.push(...r.warnings);
    }
    return { snapshots, warnings };
  },
};

function accountInHead(file: string): string | null {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(1 << 20);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const m = HEAD_ACCOUNT.exec(buf.subarray(0, n).toString('utf8'));
    return m ? m[1]! : null;
  } finally {
    closeSync(fd);
  }
}

interface Manifest {
  format: string;
  version: number;
  collectedAt?: string;
  tool?: string;
  organizationId?: string | null;
  managementAccountId?: string | null;
  accounts: { id: string; complete: boolean }[];
}

export function readManifest(dir: string): Manifest {
  const file = path.join(dir, MANIFEST);
  let m: unknown;
  try {
    m = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new AppError('INPUT_UNRECOGNIZED', `${file}: not valid JSON (${errorMessage(err)})`);
  }
  const man = m as Partial<Manifest>;
  if (man?.format !== 'permgraph-aws-collection')
    throw new AppError('INPUT_UNRECOGNIZED', `${file}: $.format must be "permgraph-aws-collection"`);
  if (man.version !== 1)
    throw new AppError(
      'INPUT_UNRECOGNIZED',
      `${file}: $.version ${JSON.stringify(man.version)} is not supported (this permgraph reads 1)`,
    );
  if (!Array.isArray(man.accounts))
    throw new AppError('INPUT_UNRECOGNIZED', `${file}: $.accounts must be an array`);
  for (const [i, a] of man.accounts.entries()) {
    if (typeof a?.id !== 'string' || !/^\d{12}$/.test(a.id))
      throw new AppError('INPUT_UNRECOGNIZED', `${file}: $.accounts[${i}].id must be a 12-digit account id`);
    if (typeof a.complete !== 'boolean')
      throw new AppError('INPUT_UNRECOGNIZED', `${file}: $.accounts[${i}].complete must be true or false`);
  }
  return man as Manifest;
}

/** Converts one collection directory. */
export async function convertCollection(dir: string, ctx: ImportContext): Promise<ConvertResult> {
  const man = readManifest(dir);
  const gapsFile = path.join(dir, 'gaps.json');
  const gaps = existsSync(gapsFile)
    ? (asArray(await readJson(gapsFile), gapsFile) as unknown as SnapshotGap[])
    : [];
  const orgFile = path.join(dir, 'organization.json');
  const snapshots: string[] = [];
  const warnings: string[] = [];
  let org: OrgInfo | null = null;
  if (existsSync(orgFile)) {
    org = readOrgInfo(await readJson(orgFile), orgFile);
    const r = await convertOrganization(orgFile, gaps, ctx, man.tool);
    snapshots.push(r.file);
    warnings.push(...r.warnings);
  }
  for (const a of man.accounts) {
    const adir = path.join(dir, 'accounts', a.id);
    const opt = (name: string) => (existsSync(path.join(adir, name)) ? path.join(adir, name) : undefined);
    const auth = opt('authorization-details.json');
    if (!auth && a.complete)
      throw new AppError(
        'INPUT_UNRECOGNIZED',
        `${adir}: authorization-details.json is missing but the manifest marks the account complete`,
      );
    const files = [
      auth,
      opt('access-advisor.json'),
      opt('access-keys.json'),
      opt('credential-report.csv'),
    ].filter((f): f is string => Boolean(f));
    const r = await convertAccount(
      {
        account: a.id,
        authDetails: auth ? [auth] : [],
        accessAdvisor: opt('access-advisor.json'),
        accessKeys: opt('access-keys.json'),
        credentialReport: opt('credential-report.csv'),
        resourcesDir: opt('resources'),
        complete: a.complete,
        gaps: gaps.filter((g) => g.scope === accountScope(a.id)),
        org,
        source: {
          kind: 'aws-collection',
          files: [path.resolve(dir), ...files],
          ...(man.tool ? { tool: man.tool } : {}),
        },
      },
      ctx,
    );
    snapshots.push(r.file);
    warnings.push(...r.warnings);
    if (!a.complete)
      warnings.push(
        `aws:${a.id}: collection was partial (see gaps); the previous data of this account is kept`,
      );
  }
  return { snapshots, warnings };
}

export const collectionFormat: InputFormat = {
  id: 'aws-collection',
  provider: 'aws',
  description: 'a permgraph AWS collection directory (permgraph collect aws --out DIR)',
  detect: (head) => /^\s*\{\s*"format"\s*:\s*"permgraph-aws-collection"/.test(head),
  detectDirectory: (dir) => existsSync(path.join(dir, MANIFEST)),
  async toSnapshots(files: string[], ctx: ImportContext): Promise<ConvertResult> {
    const out: ConvertResult = { snapshots: [], warnings: [] };
    for (const f of files) {
      const dir = statSync(f).isDirectory() ? f : path.dirname(f);
      const r = await convertCollection(dir, ctx);
      out.snapshots.push(...r.snapshots);
      out.warnings.push(...r.warnings);
    }
    return out;
  },
};
