/**
 * Principals named in trust and resource policies, resolved to graph nodes per
 * docs/aws-snapshot.md: accounts to their root principal, IAM ARNs to users and roles (stubs
 * when owned elsewhere), services and "anyone" to global nodes, federated issuers to identity
 * providers or external principals.
 */
import { NodeKind } from '../../../cypher/schema/index.js';
import { ACCOUNT_ID, accountRootArn, accountScope, GLOBAL_SCOPE, iamName, parseArn } from './arn.js';
import type { SnapshotBuilder } from './builder.js';
import { asList } from './policy-document.js';

export type PrincipalType = 'AWS' | 'Service' | 'Federated' | 'CanonicalUser' | '*';

export interface PrincipalEntry {
  type: PrincipalType;
  value: string;
}

/** Flattens a statement's Principal into typed entries. */
export function principalEntries(principal: unknown): PrincipalEntry[] {
  if (principal === '*') return [{ type: '*', value: '*' }];
  if (typeof principal !== 'object' || principal === null) return [];
  const out: PrincipalEntry[] = [];
  for (const [type, v] of Object.entries(principal as Record<string, unknown>)) {
    if (!['AWS', 'Service', 'Federated', 'CanonicalUser'].includes(type)) continue;
    for (const value of asList(v)) out.push({ type: type as PrincipalType, value });
  }
  return out;
}

export interface ResolvedPrincipal {
  id: string;
  /** Account of the principal, when it has one. */
  account: string | null;
  isPublic: boolean;
}

async function globalNode(
  b: SnapshotBuilder,
  id: string,
  kind: NodeKind,
  props: Record<string, string | boolean>,
): Promise<void> {
  if (b.has(id)) return;
  await b.node({
    id,
    kind,
    name: id === '*' ? 'anyone' : id,
    scope: GLOBAL_SCOPE,
    account: null,
    tenant: null,
    props,
  });
}

/**
 * Makes sure the node of one principal entry exists in the snapshot (collected or stub) and
 * returns its id. `own` is the account whose data is being imported.
 */
export async function resolvePrincipal(
  b: SnapshotBuilder,
  e: PrincipalEntry,
  own: string,
  tenant: string | null,
): Promise<ResolvedPrincipal> {
  const v = e.value.trim();
  if (e.type === '*' || (e.type === 'AWS' && v === '*')) {
    await globalNode(b, '*', NodeKind.AWSExternalPrincipal, { arn: '*', isPublic: true });
    return { id: '*', account: null, isPublic: true };
  }
  if (e.type === 'Service') {
    await globalNode(b, v, NodeKind.AWSServicePrincipal, { service: v });
    return { id: v, account: null, isPublic: false };
  }
  if (e.type === 'AWS') {
    if (ACCOUNT_ID.test(v)) return accountPrincipal(b, accountRootArn(v), v, own);
    const p = parseArn(v);
    if (p && ACCOUNT_ID.test(p.account)) {
      if (p.service === 'iam' && p.resource === 'root') return accountPrincipal(b, v, p.account, own);
      const ref = (id: string, kind: NodeKind) => {
        b.stub({ id, kind, scope: accountScope(p.account), name: iamName(id), account: p.account });
        return { id, account: p.account, isPublic: false };
      };
      if (p.service === 'iam' && p.resource.startsWith('role/')) return ref(v, NodeKind.AWSRole);
      if (p.service === 'iam' && p.resource.startsWith('user/')) return ref(v, NodeKind.AWSUser);
      if (p.service === 'sts' && p.resource.startsWith('assumed-role/')) {
        const role = p.resource.split('/')[1] ?? '';
        return ref(`arn:${p.partition}:iam::${p.account}:role/${role}`, NodeKind.AWSRole);
      }
    }
  }
  if (e.type === 'Federated') {
    const p = parseArn(v);
    if (p && ACCOUNT_ID.test(p.account) && /^(saml|oidc)-provider\//.test(p.resource)) {
      const saml = p.resource.startsWith('saml-provider/');
      const issuer = p.resource.slice(p.resource.indexOf('/') + 1);
      if (p.account === own) {
        await b.node({
          id: v,
          kind: NodeKind.AWSIdentityProvider,
          name: issuer,
          scope: accountScope(own),
          account: own,
          tenant,
          props: {
            arn: v,
            providerType: saml ? 'SAML' : 'OIDC',
            ...(saml ? {} : { url: `https://${issuer}` }),
          },
        });
      } else {
        b.stub({
          id: v,
          kind: NodeKind.AWSIdentityProvider,
          scope: accountScope(p.account),
          name: issuer,
          account: p.account,
        });
      }
      return { id: v, account: p.account, isPublic: false };
    }
  }
  // Unique ids of deleted principals, web identity issuers, canonical users, federated users.
  const p = parseArn(v);
  await globalNode(b, v, NodeKind.AWSExternalPrincipal, { arn: v, isPublic: false });
  return { id: v, account: p && ACCOUNT_ID.test(p.account) ? p.account : null, isPublic: false };
}

async function accountPrincipal(
  b: SnapshotBuilder,
  id: string,
  account: string,
  own: string,
): Promise<ResolvedPrincipal> {
  if (account !== own)
    b.stub({ id, kind: NodeKind.AWSAccount, scope: accountScope(account), name: account, account });
  return { id, account, isPublic: false };
}
