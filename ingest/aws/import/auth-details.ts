/**
 * `aws iam get-account-authorization-details` output (pages merged) -> snapshot records of one
 * account. The file is streamed item by item; group memberships wait for the group list
 * (users come first in the file) and stubs wait for the end.
 */
import { AppError } from '../../../cypher/errors.js';
import { NodeKind } from '../../../cypher/schema/index.js';
import type { PropValue, SnapshotGap } from '../../snapshot/types.js';
import {
  accountRootArn,
  accountScope,
  arnAccount,
  GLOBAL_SCOPE,
  inlinePolicyId,
  isAwsManagedPolicyArn,
  parseArn,
} from './arn.js';
import type { SnapshotBuilder } from './builder.js';
import { streamTopLevel } from './json-stream.js';
import { asList, readPolicyDocument, statementsOf } from './policy-document.js';
import { principalEntries, resolvePrincipal } from './principals.js';

type Obj = Record<string, unknown>;

export const AUTH_DETAILS_LISTS = [
  'UserDetailList',
  'GroupDetailList',
  'RoleDetailList',
  'Policies',
] as const;
const IGNORED_TOP_LEVEL = new Set(['IsTruncated', 'Marker', '$metadata', 'ResponseMetadata']);

export interface UserExtras {
  hasLoginProfile?: boolean;
  mfaEnabled?: boolean;
  passwordLastUsed?: string | null;
  accessKeyCount?: number;
  /** Identity-level last use (max of password and keys), when known. */
  lastUsed?: { value: string | null };
}

/** What the rest of the account's collection says about its IAM principals. */
export interface AccountContext {
  account: string | null;
  tenant: string | null;
  users: Map<string, UserExtras>;
}

export const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);
export const iso = (v: unknown): string | null => {
  if (typeof v === 'string' && v.length > 0 && !Number.isNaN(Date.parse(v))) return new Date(v).toISOString();
  if (v instanceof Date) return v.toISOString();
  return null;
};
export function tagsObject(v: unknown): Record<string, string> | undefined {
  if (!Array.isArray(v) || v.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const t of v as Obj[]) if (typeof t?.Key === 'string') out[t.Key] = String(t.Value ?? '');
  return out;
}

/** Converts one authorization-details file; call `finish` after the last file of the account. */
export class AuthDetailsConverter {
  private readonly memberships: { user: string; group: string }[] = [];
  private readonly groupsByName = new Map<string, string>();
  readonly profiles = new Map<string, string[]>();
  readonly roles = new Set<string>();
  quarantined = 0;

  constructor(
    private readonly b: SnapshotBuilder,
    readonly ctx: AccountContext,
  ) {}

  get account(): string {
    return this.ctx.account!;
  }

  private scope(): string {
    return accountScope(this.account);
  }

  /** Checks that every ARN of the file belongs to one account, and learns it. */
  private own(file: string, path: string, arn: unknown): string {
    const a = str(arn);
    if (!a) throw new AppError('NORMALIZE_MISSING_ID', `${file}: ${path}.Arn is missing`);
    const acct = arnAccount(a);
    if (!acct)
      throw new AppError('INPUT_UNRECOGNIZED', `${file}: ${path}.Arn ${JSON.stringify(a)} is not an IAM ARN`);
    if (this.ctx.account === null) this.ctx.account = acct;
    else if (this.ctx.account !== acct)
      throw new AppError(
        'INPUT_UNRECOGNIZED',
        `${file}: ${path}.Arn belongs to account ${acct}, but the rest of the data belongs to ${this.ctx.account}; give each account its own file`,
      );
    return a;
  }

  quarantine(
    file: string,
    path: string,
    message: string,
    resource: string,
    api = 'iam:GetAccountAuthorizationDetails',
  ): void {
    this.quarantined += 1;
    const g: SnapshotGap = {
      scope: this.ctx.account ? this.scope() : GLOBAL_SCOPE,
      api,
      reason: 'Quarantined',
      message: `${file}: ${path}: ${message}; the document was not loaded`,
      resource,
    };
    this.b.gap(g);
  }

  private base(id: string, kind: NodeKind, name: string | null) {
    return { id, kind, name, scope: this.scope(), account: this.account, tenant: this.ctx.tenant };
  }

  async convertFile(file: string): Promise<void> {
    let recognised = false;
    await streamTopLevel(file, {
      item: async (key, value, index) => {
        const path = `$.${key}[${index}]`;
        if (typeof value !== 'object' || value === null || Array.isArray(value))
          throw new AppError('INPUT_UNRECOGNIZED', `${file}: ${path} must be an object`);
        const v = value as Obj;
        switch (key) {
          case 'UserDetailList':
            recognised = true;
            return this.user(file, path, v);
          case 'GroupDetailList':
            recognised = true;
            return this.group(file, path, v);
          case 'RoleDetailList':
            recognised = true;
            return this.role(file, path, v);
          case 'Policies':
            recognised = true;
            return this.policy(file, path, v);
          default:
            if (!IGNORED_TOP_LEVEL.has(key))
              throw new AppError(
                'INPUT_UNRECOGNIZED',
                `${file}: $.${key} is not part of IAM authorization details`,
              );
        }
      },
      endArray: (key) => {
        if ((AUTH_DETAILS_LISTS as readonly string[]).includes(key)) recognised = true;
      },
      value: (key) => {
        if (!IGNORED_TOP_LEVEL.has(key))
          throw new AppError(
            'INPUT_UNRECOGNIZED',
            `${file}: $.${key} is not part of IAM authorization details (expected ${AUTH_DETAILS_LISTS.join(', ')})`,
          );
      },
    });
    if (!recognised)
      throw new AppError(
        'INPUT_UNRECOGNIZED',
        `${file}: not IAM authorization details (none of ${AUTH_DETAILS_LISTS.join(', ')} found)`,
      );
  }

  private async attachments(file: string, path: string, owner: string, v: Obj): Promise<void> {
    const managed = v.AttachedManagedPolicies;
    if (Array.isArray(managed)) {
      for (const [i, m] of (managed as Obj[]).entries()) {
        const arn = str(m?.PolicyArn);
        if (!arn)
          throw new AppError(
            'NORMALIZE_MISSING_ID',
            `${file}: ${path}.AttachedManagedPolicies[${i}].PolicyArn is missing`,
          );
        this.policyStub(arn, str(m.PolicyName));
        await this.b.edge({
          type: 'AWS_HAS_POLICY',
          source: owner,
          target: arn,
          props: { attachment: 'managed' },
        });
      }
    }
    const listKey = ['UserPolicyList', 'GroupPolicyList', 'RolePolicyList'].find((k) => Array.isArray(v[k]));
    if (listKey) {
      for (const [i, p] of (v[listKey] as Obj[]).entries()) {
        const pp = `${path}.${listKey}[${i}]`;
        const name = str(p?.PolicyName);
        if (!name) throw new AppError('NORMALIZE_MISSING_ID', `${file}: ${pp}.PolicyName is missing`);
        const id = inlinePolicyId(owner, name);
        const doc = readPolicyDocument(p.PolicyDocument, `${pp}.PolicyDocument`);
        if (doc.ok) {
          await this.b.node({
            ...this.base(id, NodeKind.AWSInlinePolicy, name),
            props: { policyName: name, ownerArn: owner, document: doc.doc as PropValue },
          });
        } else {
          this.quarantine(file, doc.path, doc.message, id);
          this.b.stub({
            id,
            kind: NodeKind.AWSInlinePolicy,
            scope: this.scope(),
            name,
            account: this.account,
          });
        }
        await this.b.edge({
          type: 'AWS_HAS_POLICY',
          source: owner,
          target: id,
          props: { attachment: 'inline' },
        });
      }
    }
    const boundary = v.PermissionsBoundary as Obj | undefined;
    const bArn = str(boundary?.PermissionsBoundaryArn);
    if (bArn) {
      this.policyStub(bArn, null);
      await this.b.edge({ type: 'AWS_HAS_BOUNDARY', source: owner, target: bArn });
    }
  }

  private policyStub(arn: string, name: string | null): void {
    const managed = isAwsManagedPolicyArn(arn);
    const acct = arnAccount(arn);
    this.b.stub({
      id: arn,
      kind: NodeKind.AWSPolicy,
      scope: managed || !acct ? GLOBAL_SCOPE : accountScope(acct),
      name: name ?? arn.slice(arn.lastIndexOf('/') + 1),
      account: managed ? null : acct,
    });
  }

  private async contains(id: string): Promise<void> {
    await this.b.edge({
      type: 'AWS_CONTAINS',
      source: accountRootArn(this.account, partitionOf(id)),
      target: id,
    });
  }

  private async user(file: string, path: string, v: Obj): Promise<void> {
    const arn = this.own(file, path, v.Arn);
    const name = str(v.UserName);
    const x = this.ctx.users.get(arn) ?? this.ctx.users.get(name ?? '') ?? {};
    const passwordLastUsed = iso(v.PasswordLastUsed) ?? x.passwordLastUsed ?? null;
    const boundary = str((v.PermissionsBoundary as Obj | undefined)?.PermissionsBoundaryArn);
    await this.b.node({
      ...this.base(arn, NodeKind.AWSUser, name),
      props: {
        arn,
        path: str(v.Path),
        createDate: iso(v.CreateDate),
        tags: tagsObject(v.Tags) ?? null,
        userId: str(v.UserId),
        passwordLastUsed,
        hasLoginProfile: x.hasLoginProfile ?? null,
        mfaEnabled: x.mfaEnabled ?? null,
        accessKeyCount: x.accessKeyCount ?? null,
        permissionsBoundary: boundary,
        ...(x.lastUsed ? { lastUsed: x.lastUsed.value, usageKnown: true } : {}),
      },
    });
    await this.contains(arn);
    for (const g of asList(v.GroupList)) this.memberships.push({ user: arn, group: g });
    await this.attachments(file, path, arn, v);
  }

  private async group(file: string, path: string, v: Obj): Promise<void> {
    const arn = this.own(file, path, v.Arn);
    const name = str(v.GroupName);
    if (name) this.groupsByName.set(name, arn);
    await this.b.node({
      ...this.base(arn, NodeKind.AWSGroup, name),
      props: { arn, path: str(v.Path), createDate: iso(v.CreateDate), groupId: str(v.GroupId) },
    });
    await this.contains(arn);
    await this.attachments(file, path, arn, v);
  }

  private async role(file: string, path: string, v: Obj): Promise<void> {
    const arn = this.own(file, path, v.Arn);
    this.roles.add(arn);
    const name = str(v.RoleName);
    const trust =
      v.AssumeRolePolicyDocument === undefined || v.AssumeRolePolicyDocument === null
        ? null
        : readPolicyDocument(v.AssumeRolePolicyDocument, `${path}.AssumeRolePolicyDocument`);
    if (trust && !trust.ok) this.quarantine(file, trust.path, trust.message, arn);
    const lastUsed = v.RoleLastUsed as Obj | undefined;
    const rolePath = str(v.Path);
    await this.b.node({
      ...this.base(arn, NodeKind.AWSRole, name),
      props: {
        arn,
        path: rolePath,
        createDate: iso(v.CreateDate),
        tags: tagsObject(v.Tags) ?? null,
        roleId: str(v.RoleId),
        trustPolicy: trust?.ok ? (trust.doc as PropValue) : null,
        maxSessionDuration: typeof v.MaxSessionDuration === 'number' ? v.MaxSessionDuration : null,
        serviceLinked: (rolePath ?? '').startsWith('/aws-service-role/'),
        permissionsBoundary: str((v.PermissionsBoundary as Obj | undefined)?.PermissionsBoundaryArn),
        ...(lastUsed && typeof lastUsed === 'object'
          ? { lastUsed: iso(lastUsed.LastUsedDate), usageKnown: true, lastUsedRegion: str(lastUsed.Region) }
          : {}),
      },
    });
    await this.contains(arn);
    if (trust?.ok) await this.trusts(arn, trust.doc);
    if (Array.isArray(v.InstanceProfileList)) {
      for (const [i, ip] of (v.InstanceProfileList as Obj[]).entries()) {
        const ipArn = this.own(file, `${path}.InstanceProfileList[${i}]`, ip?.Arn);
        await this.b.node({
          ...this.base(ipArn, NodeKind.AWSInstanceProfile, str(ip.InstanceProfileName)),
          props: {
            arn: ipArn,
            path: str(ip.Path),
            createDate: iso(ip.CreateDate),
            instanceProfileId: str(ip.InstanceProfileId),
          },
        });
        await this.contains(ipArn);
        const roleArns = Array.isArray(ip.Roles)
          ? (ip.Roles as Obj[]).map((r) => str(r?.Arn)).filter((r): r is string => r !== null)
          : [arn];
        if (!roleArns.includes(arn)) roleArns.push(arn);
        this.profiles.set(ipArn, roleArns);
        for (const r of roleArns) {
          if (r !== arn)
            this.b.stub({
              id: r,
              kind: NodeKind.AWSRole,
              scope: this.scope(),
              account: this.account,
              name: r.slice(r.lastIndexOf('/') + 1),
            });
          await this.b.edge({ type: 'AWS_PROFILE_HAS_ROLE', source: ipArn, target: r });
        }
      }
    }
    await this.attachments(file, path, arn, v);
  }

  /** One AWS_TRUSTS edge per principal of each Allow statement that grants an assume action. */
  private async trusts(role: string, doc: Obj): Promise<void> {
    for (const [i, s] of statementsOf(doc).entries()) {
      if (s.Effect !== 'Allow' || s.Principal === undefined) continue;
      const actions = asList(s.Action);
      for (const e of principalEntries(s.Principal)) {
        const action = assumeAction(actions, e.type, e.value);
        if (!action) continue;
        const p = await resolvePrincipal(this.b, e, this.account, this.ctx.tenant);
        const statement = typeof s.Sid === 'string' && s.Sid ? `${i}:${s.Sid}` : String(i);
        await this.b.edge({
          type: 'AWS_TRUSTS',
          source: role,
          target: p.id,
          key: String(i),
          props: {
            statement,
            action,
            ...(s.Condition ? { conditions: s.Condition as PropValue } : {}),
          },
        });
      }
    }
  }

  private async policy(file: string, path: string, v: Obj): Promise<void> {
    const arn = str(v.Arn);
    if (!arn) throw new AppError('NORMALIZE_MISSING_ID', `${file}: ${path}.Arn is missing`);
    const awsManaged = isAwsManagedPolicyArn(arn);
    if (!awsManaged) this.own(file, path, arn);
    const name = str(v.PolicyName) ?? arn.slice(arn.lastIndexOf('/') + 1);
    const defaultId = str(v.DefaultVersionId);
    const versions = Array.isArray(v.PolicyVersionList) ? (v.PolicyVersionList as Obj[]) : [];
    let document: Obj | null = null;
    let defaultFound = false;
    let broken = false;
    const others: Obj[] = [];
    for (const [i, ver] of versions.entries()) {
      const vp = `${path}.PolicyVersionList[${i}]`;
      const isDefault =
        ver?.IsDefaultVersion === true ||
        (defaultId !== null && ver?.VersionId === defaultId && ver?.IsDefaultVersion === undefined);
      const doc = readPolicyDocument(ver?.Document, `${vp}.Document`);
      if (!doc.ok) {
        this.quarantine(file, doc.path, doc.message, arn);
        if (isDefault) broken = true;
        continue;
      }
      if (isDefault) {
        defaultFound = true;
        document = doc.doc;
      } else {
        others.push({ versionId: str(ver.VersionId), document: doc.doc, createDate: iso(ver.CreateDate) });
      }
    }
    if (broken) {
      this.policyStub(arn, name);
      return;
    }
    if (!defaultFound && this.ctx.account) {
      this.b.gap({
        scope: awsManaged ? GLOBAL_SCOPE : this.scope(),
        api: 'iam:GetAccountAuthorizationDetails',
        reason: 'NotFound',
        message: `${file}: ${path}.PolicyVersionList has no default version; the policy has no document`,
        resource: arn,
      });
    }
    const acct = awsManaged ? null : this.account;
    await this.b.node({
      id: arn,
      kind: NodeKind.AWSPolicy,
      name,
      scope: awsManaged ? GLOBAL_SCOPE : this.scope(),
      account: acct,
      tenant: awsManaged ? null : this.ctx.tenant,
      props: {
        arn,
        path: str(v.Path),
        createDate: iso(v.CreateDate),
        policyId: str(v.PolicyId),
        policyType: 'managed',
        awsManaged,
        defaultVersionId: defaultId,
        document: document as PropValue,
        versions: others.length > 0 ? (others as PropValue) : null,
        attachmentCount: typeof v.AttachmentCount === 'number' ? v.AttachmentCount : null,
        description: str(v.Description),
      },
    });
    if (!awsManaged) await this.contains(arn);
  }

  /** Group memberships (groups are known now), the account and its admin node. */
  async finish(org: {
    name?: string | null;
    email?: string | null;
    status?: string | null;
    isManagement?: boolean | null;
  }): Promise<void> {
    if (!this.ctx.account) return;
    for (const m of this.memberships) {
      let g = this.groupsByName.get(m.group);
      if (!g) {
        g = `arn:${partitionOf(m.user)}:iam::${this.account}:group/${m.group}`;
        this.b.stub({
          id: g,
          kind: NodeKind.AWSGroup,
          scope: this.scope(),
          name: m.group,
          account: this.account,
        });
      }
      await this.b.edge({ type: 'AWS_MEMBER_OF', source: m.user, target: g });
    }
    const root = accountRootArn(this.account);
    await this.b.node({
      ...this.base(root, NodeKind.AWSAccount, org.name ?? this.account),
      props: {
        accountId: this.account,
        collected: true,
        email: org.email ?? null,
        status: org.status ?? null,
        isManagement: org.isManagement ?? null,
      },
    });
    await this.b.node({
      ...this.base(`aws-admin:${this.account}`, NodeKind.AWSAdmin, `admin of ${this.account}`),
      props: { accountId: this.account },
    });
  }
}

export function partitionOf(arn: string): string {
  return parseArn(arn)?.partition ?? 'aws';
}

const ASSUME = ['sts:AssumeRole', 'sts:AssumeRoleWithSAML', 'sts:AssumeRoleWithWebIdentity'];

function matches(pattern: string, action: string): boolean {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  );
  return re.test(action);
}

/** The assume action a trust statement grants this principal, or null. */
export function assumeAction(actions: string[], type: string, value: string): string | null {
  const granted = ASSUME.filter((a) => actions.some((p) => matches(p, a)));
  if (granted.length === 0) return null;
  if (type === 'Federated') {
    const saml = value.includes(':saml-provider/');
    const want = saml ? 'sts:AssumeRoleWithSAML' : 'sts:AssumeRoleWithWebIdentity';
    if (granted.includes(want)) return want;
  }
  return granted.includes('sts:AssumeRole') ? 'sts:AssumeRole' : granted[0]!;
}
