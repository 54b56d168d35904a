/**
 * The peer: Cloudsplaining (PyPI, pinned) scanning the same authorization-details files.
 * Installed into a venv under the permgraph cache on first use. Cloudsplaining reads the
 * AWS CLI/boto3 shape, where policy documents are already URL-decoded objects, so each file
 * is decoded into that shape first (not timed). Cloudsplaining 0.9.1 fails on a directory
 * input (`json.loads(..., default=str)`), so it runs once per account file.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { cacheRoot } from '../cypher/db/config.js';
import { RssSampler } from './rss.js';

const execFileAsync = promisify(execFile);
export const CLOUDSPLAINING_VERSION = '0.9.1';

export interface PeerResult {
  tool: string;
  version: string;
  /** Accounts scanned (the first N in id order when limited) and in the estate. */
  accounts: number;
  accountsTotal: number;
  ms: number;
  /** `ms` scaled to every account of the estate, when only some were scanned. */
  extrapolatedMs: number | null;
  peakRssBytes: number;
  /** Policies with at least one finding of each kind (customer-managed + inline + AWS-managed). */
  policiesWith: {
    privilegeEscalation: number;
    resourceExposure: number;
    dataExfiltration: number;
    infrastructureModification: number;
    serviceWildcard: number;
    credentialsExposure: number;
  };
  /** Individual privilege-escalation findings (technique x policy). */
  privilegeEscalationFindings: number;
  /** Principals a privilege-escalation policy is attached to (directly or through a group). */
  principalsWithPrivEsc: number;
  /** Planted paths whose starting principal Cloudsplaining flags for privilege escalation. */
  plantedFlagged: number;
  plantedTotal: number;
}

export async function ensureCloudsplaining(log: (m: string) => void): Promise<string> {
  const venv = path.join(cacheRoot(), `cloudsplaining-${CLOUDSPLAINING_VERSION}`);
  const bin = path.join(venv, 'bin', 'cloudsplaining');
  if (existsSync(bin)) return bin;
  log(`Installing cloudsplaining ${CLOUDSPLAINING_VERSION} into ${venv}`);
  await execFileAsync('python3', ['-m', 'venv', venv], { timeout: 120_000 });
  await execFileAsync(
    path.join(venv, 'bin', 'pip'),
    ['install', '-q', `cloudsplaining==${CLOUDSPLAINING_VERSION}`],
    {
      timeout: 600_000,
    },
  );
  return bin;
}

type Json = Record<string, unknown>;
const decode = (v: unknown) => (typeof v === 'string' ? JSON.parse(decodeURIComponent(v)) : v);

/** GetAccountAuthorizationDetails (URL-encoded documents) -> the CLI/boto3 shape. */
export function decodeAuthorizationDetails(raw: Json): Json {
  for (const u of (raw.UserDetailList as Json[]) ?? [])
    for (const p of (u.UserPolicyList as Json[]) ?? []) p.PolicyDocument = decode(p.PolicyDocument);
  for (const g of (raw.GroupDetailList as Json[]) ?? [])
    for (const p of (g.GroupPolicyList as Json[]) ?? []) p.PolicyDocument = decode(p.PolicyDocument);
  for (const r of (raw.RoleDetailList as Json[]) ?? []) {
    r.AssumeRolePolicyDocument = decode(r.AssumeRolePolicyDocument);
    for (const p of (r.RolePolicyList as Json[]) ?? []) p.PolicyDocument = decode(p.PolicyDocument);
    for (const ip of (r.InstanceProfileList as Json[]) ?? [])
      for (const rr of (ip.Roles as Json[]) ?? [])
        rr.AssumeRolePolicyDocument = decode(rr.AssumeRolePolicyDocument);
  }
  for (const p of (raw.Policies as Json[]) ?? [])
    for (const v of (p.PolicyVersionList as Json[]) ?? []) v.Document = decode(v.Document);
  return raw;
}

const hasFindings = (v: unknown): boolean => {
  if (Array.isArray(v)) return v.length > 0;
  if (v && typeof v === 'object') {
    const f = (v as Json).findings;
    return Array.isArray(f) && f.length > 0;
  }
  return false;
};

export async function runPeer(
  estateDir: string,
  workDir: string,
  plantedPrincipals: string[],
  log: (m: string) => void,
  maxAccounts?: number,
): Promise<PeerResult> {
  const bin = await ensureCloudsplaining(log);
  const version =
    (await execFileAsync(bin, ['--version'])).stdout.trim().split(/\s+/).pop() ?? CLOUDSPLAINING_VERSION;
  rmSync(workDir, { recursive: true, force: true });
  const inDir = path.join(workDir, 'input');
  const outDir = path.join(workDir, 'output');
  mkdirSync(inDir, { recursive: true });
  mkdirSync(outDir, { recursive: true });
  const allAccounts = readdirSync(path.join(estateDir, 'accounts')).sort();
  // `--peer-accounts N`: a sample of accounts, timed and scaled to all.
  const accounts =
    maxAccounts && maxAccounts < allAccounts.length ? allAccounts.slice(0, maxAccounts) : allAccounts;
  if (accounts.length < allAccounts.length)
    log(`peer: Cloudsplaining on the first ${accounts.length} of ${allAccounts.length} accounts`);
  for (const acct of accounts) {
    const raw = JSON.parse(
      readFileSync(path.join(estateDir, 'accounts', acct, 'authorization-details.json'), 'utf8'),
    );
    writeFileSync(path.join(inDir, `${acct}.json`), JSON.stringify(decodeAuthorizationDetails(raw)));
  }
  let pid: number | undefined;
  const sampler = new RssSampler(() => ({ peer: pid }));
  sampler.start();
  const t0 = performance.now();
  for (const acct of accounts) {
    await new Promise<void>((resolve, reject) => {
      const child = execFile(
        bin,
        ['scan', '-i', path.join(inDir, `${acct}.json`), '-o', outDir, '-s'],
        { maxBuffer: 256 * 1024 * 1024, timeout: 3_600_000 },
        (err) => (err ? reject(err) : resolve()),
      );
      pid = child.pid;
    });
  }
  const ms = Math.round(performance.now() - t0);
  sampler.stop();

  const policiesWith = {
    privilegeEscalation: 0,
    resourceExposure: 0,
    dataExfiltration: 0,
    infrastructureModification: 0,
    serviceWildcard: 0,
    credentialsExposure: 0,
  };
  let privEscFindings = 0;
  const flagged = new Set<string>();
  for (const acct of accounts) {
    const f = JSON.parse(readFileSync(path.join(outDir, `iam-findings-${acct}.json`), 'utf8')) as Json;
    const groupMembers = new Map<string, string[]>();
    for (const u of Object.values((f.users as Json) ?? {}) as Json[]) {
      for (const g of Object.keys((u.groups as Json) ?? {})) {
        groupMembers.set(g, [...(groupMembers.get(g) ?? []), String(u.name)]);
      }
    }
    for (const section of ['customer_managed_policies', 'inline_policies', 'aws_managed_policies']) {
      for (const p of Object.values((f[section] as Json) ?? {}) as Json[]) {
        if (hasFindings(p.PrivilegeEscalation)) {
          policiesWith.privilegeEscalation++;
          const pe = p.PrivilegeEscalation as Json;
          privEscFindings += Array.isArray(pe) ? pe.length : ((pe.findings as unknown[]) ?? []).length;
          const to = (p.AttachedTo as Json) ?? {};
          for (const u of (to.users as string[]) ?? []) flagged.add(`arn:aws:iam::${acct}:user/${u}`);
          for (const r of (to.roles as string[]) ?? []) flagged.add(`arn:aws:iam::${acct}:role/${r}`);
          for (const g of (to.groups as string[]) ?? [])
            for (const u of groupMembers.get(g) ?? []) flagged.add(`arn:aws:iam::${acct}:user/${u}`);
        }
        if (hasFindings(p.ResourceExposure)) policiesWith.resourceExposure++;
        if (hasFindings(p.DataExfiltration)) policiesWith.dataExfiltration++;
        if (hasFindings(p.InfrastructureModification)) policiesWith.infrastructureModification++;
        if (hasFindings(p.ServiceWildcard)) policiesWith.serviceWildcard++;
        if (hasFindings(p.CredentialsExposure)) policiesWith.credentialsExposure++;
      }
    }
  }
  const scanned = new Set(accounts);
  const uniquePlanted = [...new Set(plantedPrincipals)].filter((p) => scanned.has(p.split(':')[4] ?? ''));
  return {
    tool: 'cloudsplaining scan',
    version,
    accounts: accounts.length,
    accountsTotal: allAccounts.length,
    ms,
    extrapolatedMs:
      accounts.length < allAccounts.length ? Math.round((ms * allAccounts.length) / accounts.length) : null,
    peakRssBytes: sampler.peaks.peer?.start ?? 0,
    policiesWith,
    privilegeEscalationFindings: privEscFindings,
    principalsWithPrivEsc: flagged.size,
    plantedFlagged: uniquePlanted.filter((p) => flagged.has(p)).length,
    plantedTotal: uniquePlanted.length,
  };
}
