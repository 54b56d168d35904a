/**
 * Small AWS authorization-details files for scan tests: one account, users with inline
 * policies, written to a temp directory.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface TestUser {
  name: string;
  /** Inline policy statements (none: a user without permissions). */
  statements?: { Effect: 'Allow' | 'Deny'; Action: string | string[]; Resource: string | string[] }[];
}

export const ADMIN = [{ Effect: 'Allow' as const, Action: '*', Resource: '*' }];

export function authDetails(account: string, users: TestUser[]): Record<string, unknown> {
  return {
    UserDetailList: users.map((u, i) => ({
      Path: '/',
      UserName: u.name,
      UserId: `AIDA${account}${i}`,
      Arn: `arn:aws:iam::${account}:user/${u.name}`,
      CreateDate: '2024-01-01T00:00:00Z',
      UserPolicyList: u.statements
        ? [
            {
              PolicyName: `${u.name}-inline`,
              PolicyDocument: encodeURIComponent(
                JSON.stringify({ Version: '2012-10-17', Statement: u.statements }),
              ),
            },
          ]
        : [],
      GroupList: [],
      AttachedManagedPolicies: [],
      Tags: [],
    })),
    GroupDetailList: [],
    RoleDetailList: [],
    Policies: [],
  };
}

/** Writes `authDetails(account, users)` to a new temp file and returns its path. */
export function writeAuthDetails(account: string, users: TestUser[], dir?: string): string {
  const d = dir ?? mkdtempSync(path.join(tmpdir(), 'pg-auth-'));
  const file = path.join(d, `auth-${account}-${Math.random().toString(36).slice(2, 8)}.json`);
  writeFileSync(file, JSON.stringify(authDetails(account, users), null, 1));
  return file;
}
