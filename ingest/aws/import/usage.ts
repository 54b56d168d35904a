/**
 * Usage data of one account: the credential report, access keys with their last use, and
 * access-advisor (service last-accessed) details. See docs/aws-collection-layout.md.
 */
import { AppError } from '../../../cypher/errors.js';
import { NodeKind } from '../../../cypher/schema/index.js';
import { accessKeyId, accountScope } from './arn.js';
import { type AccountContext, iso, str, type UserExtras } from './auth-details.js';
import type { SnapshotBuilder } from './builder.js';

type Obj = Record<string, unknown>;

/** RFC 4180 CSV (quoted fields, doubled quotes). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      field = '';
      if (row.some((f) => f !== '')) rows.push(row);
      row = [];
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    if (row.some((f) => f !== '')) rows.push(row);
  }
  return rows;
}

export interface CredentialRow {
  user: string;
  arn: string;
  passwordEnabled: boolean | null;
  passwordLastUsed: string | null;
  mfaActive: boolean | null;
  keyLastUsed: (string | null)[];
  keyActive: boolean[];
  /** Whether key 1 and 2 exist, active or not (an inactive key still counts toward the limit of 2). */
  keyExists: boolean[];
}

const bool = (v: string | undefined) => (v === 'true' ? true : v === 'false' ? false : null);

/** Parses GetCredentialReport content (CSV). Throws naming the file when the header is wrong. */
export function parseCredentialReport(text: string, file: string): CredentialRow[] {
  const rows = parseCsv(text);
  const header = rows[0];
  if (!header?.includes('user') || !header.includes('arn'))
    throw new AppError(
      'INPUT_UNRECOGNIZED',
      `${file}: not an IAM credential report (no "user" and "arn" columns)`,
    );
  const col = (name: string) => header.indexOf(name);
  const get = (r: string[], name: string) => (col(name) >= 0 ? r[col(name)] : undefined);
  return rows.slice(1).map((r) => ({
    user: get(r, 'user') ?? '',
    arn: get(r, 'arn') ?? '',
    passwordEnabled: bool(get(r, 'password_enabled')),
    passwordLastUsed: iso(get(r, 'password_last_used')),
    mfaActive: bool(get(r, 'mfa_active')),
    keyLastUsed: [iso(get(r, 'access_key_1_last_used_date')), iso(get(r, 'access_key_2_last_used_date'))],
    keyActive: [get(r, 'access_key_1_active') === 'true', get(r, 'access_key_2_active') === 'true'],
    keyExists: [1, 2].map(
      (i) =>
        get(r, `access_key_${i}_active`) === 'true' || iso(get(r, `access_key_${i}_last_rotated`)) !== null,
    ),
  }));
}

const latest = (dates: (string | null | undefined)[]): string | null => {
  let best: string | null = null;
  for (const d of dates) if (d && (!best || Date.parse(d) > Date.parse(best))) best = d;
  return best;
};

/** Folds the credential report and access keys into per-user extras (before the users stream by). */
export function userExtras(ctx: AccountContext, report: CredentialRow[] | null, keys: Obj[] | null): void {
  const byName = new Map<string, UserExtras>();
  const get = (name: string) => {
    let x = byName.get(name);
    if (!x) {
      x = {};
      byName.set(name, x);
    }
    return x;
  };
  for (const r of report ?? []) {
    if (r.user === '<root_account>') continue;
    const x = get(r.user);
    x.hasLoginProfile = r.passwordEnabled ?? undefined;
    x.mfaEnabled = r.mfaActive ?? undefined;
    x.passwordLastUsed = r.passwordLastUsed;
    x.accessKeyCount = r.keyExists.filter(Boolean).length;
    x.lastUsed = { value: latest([r.passwordLastUsed, ...r.keyLastUsed]) };
  }
  if (keys) {
    const count = new Map<string, number>();
    const used = new Map<string, (string | null)[]>();
    for (const k of keys) {
      const u = str(k.UserName);
      if (!u) continue;
      count.set(u, (count.get(u) ?? 0) + 1);
      used.set(u, [...(used.get(u) ?? []), iso((k.LastUsed as Obj | undefined)?.LastUsedDate)]);
    }
    for (const [u, n] of count) {
      const x = get(u);
      x.accessKeyCount = n;
      if (!report) x.lastUsed = { value: latest([x.passwordLastUsed, ...(used.get(u) ?? [])]) };
    }
  }
  for (const [name, x] of byName) ctx.users.set(name, x);
}

/** AWSAccessKey nodes and AWS_HAS_ACCESS_KEY edges. */
export async function emitAccessKeys(
  b: SnapshotBuilder,
  ctx: AccountContext,
  keys: Obj[],
  userArnByName: (name: string) => string,
  file: string,
): Promise<void> {
  for (const [i, k] of keys.entries()) {
    const user = str(k.UserName);
    const id = str(k.AccessKeyId);
    if (!user || !id)
      throw new AppError('NORMALIZE_MISSING_ID', `${file}: $[${i}] needs UserName and AccessKeyId`);
    const userArn = userArnByName(user);
    const nodeId = accessKeyId(userArn, id);
    const lu = k.LastUsed as Obj | undefined;
    const service = str(lu?.ServiceName);
    await b.node({
      id: nodeId,
      kind: NodeKind.AWSAccessKey,
      name: id,
      scope: accountScope(ctx.account!),
      account: ctx.account,
      tenant: ctx.tenant,
      props: {
        accessKeyId: id,
        status: str(k.Status),
        createDate: iso(k.CreateDate),
        lastUsedService: service && service !== 'N/A' ? service : null,
        ...(lu ? { lastUsed: iso(lu.LastUsedDate), usageKnown: true } : {}),
      },
    });
    await b.edge({ type: 'AWS_HAS_ACCESS_KEY', source: userArn, target: nodeId });
  }
}

/** Access-advisor usage records: per service and, where AWS tracks them, per action. */
export function emitAccessAdvisor(b: SnapshotBuilder, entries: Obj[], file: string): void {
  for (const [i, e] of entries.entries()) {
    const subject = str(e.Arn);
    if (!subject) throw new AppError('NORMALIZE_MISSING_ID', `${file}: $[${i}].Arn is missing`);
    const services = Array.isArray(e.ServicesLastAccessed) ? (e.ServicesLastAccessed as Obj[]) : [];
    for (const s of services) {
      const ns = str(s.ServiceNamespace);
      if (!ns) continue;
      b.usage({ subject, service: ns, lastUsed: iso(s.LastAuthenticated), source: 'aws:access-advisor' });
      if (Array.isArray(s.TrackedActionsLastAccessed)) {
        for (const a of s.TrackedActionsLastAccessed as Obj[]) {
          const action = str(a.ActionName);
          if (!action) continue;
          b.usage({
            subject,
            action: action.includes(':') ? action : `${ns}:${action}`,
            lastUsed: iso(a.LastAccessedTime),
            source: 'aws:access-advisor',
          });
        }
      }
    }
  }
}
