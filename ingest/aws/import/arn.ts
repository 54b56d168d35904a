/** ARN helpers for the AWS importer. */

export interface ParsedArn {
  partition: string;
  service: string;
  region: string;
  account: string;
  resource: string;
}

export function parseArn(arn: string): ParsedArn | null {
  if (!arn.startsWith('arn:')) return null;
  const parts = arn.split(':');
  if (parts.length < 6) return null;
  return {
    partition: parts[1]!,
    service: parts[2]!,
    region: parts[3]!,
    account: parts[4]!,
    resource: parts.slice(5).join(':'),
  };
}

export const ACCOUNT_ID = /^\d{12}$/;

/** 12-digit account of an ARN, or null (AWS-managed policies, malformed ARNs). */
export function arnAccount(arn: string): string | null {
  const p = parseArn(arn);
  return p && ACCOUNT_ID.test(p.account) ? p.account : null;
}

export const accountRootArn = (account: string, partition = 'aws') => `arn:${partition}:iam::${account}:root`;
export const adminNodeId = (account: string) => `aws-admin:${account}`;
export const accountScope = (account: string) => `aws:${account}`;
export const GLOBAL_SCOPE = 'aws:global';

export const isAwsManagedPolicyArn = (arn: string) => /^arn:[^:]+:iam::aws:policy\//.test(arn);

/** Last path segment of an IAM resource (`role/path/name` -> `name`). */
export function iamName(arn: string): string {
  const p = parseArn(arn);
  const res = p ? p.resource : arn;
  const i = res.lastIndexOf('/');
  return i >= 0 ? res.slice(i + 1) : res;
}

export const inlinePolicyId = (ownerArn: string, name: string) => `${ownerArn}#inline:${name}`;
export const accessKeyId = (userArn: string, keyId: string) => `${userArn}#accesskey:${keyId}`;
