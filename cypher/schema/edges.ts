/**
 * Relationship types. Direction convention for traversable edges: control of the start node
 * gives (some) control of the end node, so attack paths always run forwards.
 */
import type { Provider } from './kinds.js';
import {
  EffectiveAccessProps,
  ExplainEdgeProps,
  type PropDef,
  type PropMap,
  UsageProps,
} from './properties.js';

export const EdgeCategory = {
  /** Collected relationships: membership, containment, attachment, assignment, trust. */
  structural: 'structural',
  /** Derived: a principal can perform actions on a resource or scope. */
  effective: 'effective',
  /** Derived or collected abuse: a principal can become or control another principal. */
  escalation: 'escalation',
} as const;
export type EdgeCategory = (typeof EdgeCategory)[keyof typeof EdgeCategory];

export interface EdgeDef {
  readonly type: string;
  readonly provider: Provider | 'shared';
  readonly category: EdgeCategory;
  /** Produced by derive (pruned and rebuilt every derive pass) rather than read from a snapshot. */
  readonly derived: boolean;
  /** Part of the pathfinding alphabet. */
  readonly traversable: boolean;
  readonly description: string;
  readonly props: PropMap;
  /** Technique ids this edge type stands for (documentation and explorer help). */
  readonly techniques?: readonly string[];
}

const s = (description: string): PropDef => ({ type: 'string', description });
const b = (description: string): PropDef => ({ type: 'bool', description });
const j = (description: string): PropDef => ({ type: 'json', description });

type Def = Omit<EdgeDef, 'type' | 'props'> & { props?: PropMap };

function edges<const T extends Record<string, Def>>(defs: T): { [K in keyof T]: EdgeDef } {
  const out: Record<string, EdgeDef> = {};
  for (const [type, def] of Object.entries(defs)) out[type] = { type, ...def, props: def.props ?? {} };
  return out as { [K in keyof T]: EdgeDef };
}

const structural = (
  provider: Provider | 'shared',
  description: string,
  traversable = false,
  props?: PropMap,
): Def => ({
  provider,
  category: 'structural',
  derived: false,
  traversable,
  description,
  props,
});
const escalation = (
  provider: Provider | 'shared',
  description: string,
  techniques: readonly string[] = [],
  derived = true,
  props?: PropMap,
): Def => ({
  provider,
  category: 'escalation',
  derived,
  traversable: true,
  description,
  techniques,
  props: { ...ExplainEdgeProps, ...props },
});

const awsEsc = (description: string, techniques: readonly string[]) =>
  escalation('aws', description, techniques);
const azEsc = (description: string, techniques: readonly string[] = [], props?: PropMap) =>
  escalation('azure', description, techniques, true, props);
const gcpEsc = (description: string, techniques: readonly string[] = [], props?: PropMap) =>
  escalation('gcp', description, techniques, true, props);

const assignmentProps = {
  scopeId: s('Scope of the assignment'),
  roleDefinitionId: s('Role definition or template id'),
  condition: j('ABAC / IAM condition on the assignment'),
  assignmentId: s('Assignment id'),
};

export const EdgeTypes = edges({
  // ------------------------------------------------------------------ shared
  CAN_ACCESS: {
    provider: 'shared',
    category: 'effective',
    derived: true,
    traversable: false,
    description:
      'Effective access: the principal can perform these actions of one service on this resource or scope',
    props: {
      ...EffectiveAccessProps,
      ...UsageProps,
      conditional: b('Part of the grant depends on an undecided condition'),
      conditions: j('Undecided conditions'),
      grantedBy: j('Statements that grant the access'),
      viaResourcePolicy: b('Granted by the resource policy of the target'),
      crossAccount: b('Principal and resource are in different accounts / tenants / projects'),
      isPublic: b('Granted to anyone'),
    },
  },
  FEDERATES_TO: structural(
    'shared',
    'An identity issuer in one cloud is trusted by an identity provider or pool in another cloud',
    true,
    { issuer: s('Issuer URL'), subject: s('Subject condition, if any') },
  ),

  // ------------------------------------------------------------------ AWS structural
  AWS_CONTAINS: structural('aws', 'Organization, OU or account contains the child'),
  AWS_MEMBER_OF: structural(
    'aws',
    'IAM user is a member of the group; the group policies apply to the user',
    true,
  ),
  AWS_HAS_POLICY: structural('aws', 'Managed or inline policy attached to a user, group or role', false, {
    attachment: s('managed or inline'),
  }),
  AWS_HAS_BOUNDARY: structural('aws', 'Permissions boundary of a user or role'),
  AWS_HAS_ORG_POLICY: structural('aws', 'SCP or RCP attached to the root, an OU or an account', false, {
    policyType: s('scp or rcp'),
  }),
  AWS_TRUSTS: structural(
    'aws',
    'Role trust policy admits this principal (before identity-side checks)',
    false,
    {
      statement: s('Statement index (Sid if any)'),
      conditions: j('Conditions of the trust statement'),
      action: s('sts:AssumeRole, sts:AssumeRoleWithSAML or sts:AssumeRoleWithWebIdentity'),
    },
  ),
  AWS_HAS_INSTANCE_PROFILE: structural('aws', 'EC2 instance uses this instance profile'),
  AWS_PROFILE_HAS_ROLE: structural('aws', 'Instance profile carries this role', true),
  AWS_RUNS_AS: structural('aws', 'Resource runs with the credentials of this role', true, {
    roleKind: s('execution, task, service or instance'),
  }),
  AWS_HAS_ACCESS_KEY: structural('aws', 'IAM user owns this access key'),

  // ------------------------------------------------------------------ AWS escalation (derived)
  AWS_ASSUME_ROLE: awsEsc('Can assume the role (trust and identity policies allow sts:AssumeRole)', [
    'sts-001',
  ]),
  AWS_EDIT_POLICY: awsEsc(
    'Can rewrite a customer-managed policy (new or older default version) that grants the target',
    ['iam-001', 'iam-016', 'iam-020', 'AWS-02'],
  ),
  AWS_PUT_INLINE_POLICY: awsEsc('Can write an inline policy granting anything', [
    'iam-005',
    'iam-007',
    'iam-011',
    'iam-017',
    'iam-018',
    'iam-021',
  ]),
  AWS_ATTACH_POLICY: awsEsc('Can attach an administrator policy', [
    'iam-008',
    'iam-009',
    'iam-010',
    'iam-014',
    'iam-015',
    'iam-019',
  ]),
  AWS_ADD_TO_GROUP: awsEsc('Can add itself to the group and gain its permissions', ['iam-013']),
  AWS_CREATE_ACCESS_KEY: awsEsc('Can mint access keys for the user', ['iam-002', 'iam-003']),
  AWS_SET_PASSWORD: awsEsc('Can create or reset the console password of the user', ['iam-004', 'iam-006']),
  AWS_EDIT_TRUST: awsEsc('Can rewrite the trust policy of the role to admit itself', ['iam-012']),
  AWS_PASSROLE_VIA: awsEsc('Can pass the role to a new service resource whose code it controls', [
    'apprunner-001',
    'bedrock-001',
    'cloudformation-001',
    'cloudformation-003',
    'cloudformation-004',
    'cloudformation-005',
    'codebuild-001',
    'codebuild-004',
    'datapipeline-001',
    'ec2-001',
    'ec2-003',
    'ecs-001',
    'ecs-002',
    'ecs-003',
    'ecs-004',
    'ecs-005',
    'glue-001',
    'glue-003',
    'glue-004',
    'glue-005',
    'glue-006',
    'lambda-001',
    'lambda-002',
    'lambda-006',
    'sagemaker-001',
    'sagemaker-002',
    'sagemaker-003',
    'AWS-24',
  ]),
  AWS_HIJACK_RESOURCE: awsEsc('Can take over an existing resource that runs as the role', [
    'apprunner-002',
    'bedrock-002',
    'cloudformation-002',
    'codebuild-002',
    'codebuild-003',
    'ec2-002',
    'ec2-004',
    'ec2instanceconnect-003',
    'glue-002',
    'lambda-003',
    'lambda-004',
    'lambda-005',
    'sagemaker-004',
    'sagemaker-005',
    'ssm-001',
    'ssm-002',
    'AWS-26',
  ]),

  // ------------------------------------------------------------------ Azure structural (BloodHound names)
  AZContains: structural(
    'azure',
    'Tenant, management group, subscription or resource group contains the child',
    true,
  ),
  AZMemberOf: structural('azure', 'Member of the Entra group', true),
  AZHasRole: structural('azure', 'Active Entra role assignment', true, assignmentProps),
  AZRoleEligible: structural('azure', 'PIM-eligible Entra role assignment (one activation away)', true, {
    ...assignmentProps,
    requiresApproval: b('Activation needs approval'),
  }),
  AZRoleApprover: structural('azure', 'Approver of PIM activation for the role'),
  AZRunsAs: structural('azure', 'Application registration runs as its service principal', true),
  AZOwns: structural('azure', 'Owner of the app, service principal or group', true),
  AZManagedIdentity: structural('azure', 'Resource runs with the managed identity', true),
  AZNodeResourceGroup: structural('azure', 'AKS cluster node resource group', true),
  AZScopedTo: structural('azure', 'Object-scoped Entra role assignment targets this object'),
  AZAuthenticatesTo: structural(
    'azure',
    'Federated identity credential lets its issuer sign in as the app',
    true,
  ),
  AZX_HasRBACRole: structural(
    'azure',
    'Azure RBAC role assignment at a scope (raw; derive turns it into abuse edges)',
    false,
    {
      ...assignmentProps,
    },
  ),
  AZX_DenyAssignment: structural('azure', 'Deny assignment at a scope', false, {
    permissions: j('Denied permissions'),
    excludePrincipals: j('Excluded principals'),
  }),
  AZX_HasAppRole: structural(
    'azure',
    'App role assignment (application permission) on a resource service principal',
    false,
    {
      appRoleId: s('App role id'),
      permission: s('Permission value, e.g. RoleManagement.ReadWrite.Directory'),
    },
  ),

  // ------------------------------------------------------------------ Azure escalation
  AZGlobalAdmin: azEsc('Global Administrator of the tenant', ['AZ-01']),
  AZPrivilegedRoleAdmin: azEsc('Privileged Role Administrator of the tenant', ['AZ-02']),
  AZPrivilegedAuthAdmin: azEsc('Privileged Authentication Administrator of the tenant', ['AZ-03']),
  AZResetPassword: azEsc('Can reset the password of the user', ['AZ-03', 'AZ-04']),
  AZAddMembers: azEsc('Can add members to the group', ['AZ-05', 'AZ-16']),
  AZAddOwner: azEsc('Can add an owner to the app or service principal', ['AZ-06']),
  AZAddSecret: azEsc('Can add a credential to the app or service principal', ['AZ-07', 'AZ-14', 'AZ-15']),
  AZAppAdmin: azEsc('Object-scoped Application Administrator', ['AZ-08']),
  AZCloudAppAdmin: azEsc('Object-scoped Cloud Application Administrator', ['AZ-08']),
  AZExecuteCommand: azEsc('Can run commands on the device', ['AZ-09']),
  AZMGGrantRole: azEsc('Graph RoleManagement.ReadWrite.Directory: can grant any Entra role', ['AZ-20']),
  AZMGAddSecret: azEsc('Graph permission: can add credentials to the app or SP', ['AZ-20', 'AZ-22']),
  AZMGAddOwner: azEsc('Graph permission: can add owners', ['AZ-20', 'AZ-22', 'AZ-23', 'AZ-25']),
  AZMGAddMember: azEsc('Graph permission: can add group members', ['AZ-20', 'AZ-23', 'AZ-24']),
  AZMGGrantAppRoles: azEsc('Graph AppRoleAssignment.ReadWrite.All: can grant itself any app role', [
    'AZ-20',
    'AZ-21',
  ]),
  AZOwner: azEsc('Owner at the ARM scope', ['AZ-30']),
  AZUserAccessAdministrator: azEsc('User Access Administrator at the ARM scope', ['AZ-31']),
  AZContributor: azEsc('Contributor at the ARM scope', ['AZ-34']),
  AZVMContributor: azEsc('Virtual Machine Contributor: command execution on the VM', ['AZ-40']),
  AZVMAdminLogin: azEsc('Can log in to the VM as administrator', ['AZ-41']),
  AZAvereContributor: azEsc('Avere Contributor: command execution on the VM', ['AZ-42']),
  AZWebsiteContributor: azEsc('Website Contributor: code on the web or function app', ['AZ-43']),
  AZAutomationContributor: azEsc('Automation Contributor: runbooks as the account identity', ['AZ-44']),
  AZLogicAppContributor: azEsc('Logic App Contributor: workflow as the app identity', ['AZ-45']),
  AZAKSContributor: azEsc('AKS Contributor: commands on cluster nodes', ['AZ-46']),
  AZKeyVaultContributor: azEsc('Key Vault Contributor: can grant itself access policies', ['AZ-47']),
  AZGetSecrets: azEsc('Can read key vault secrets', ['AZ-47', 'AZ-48']),
  AZGetKeys: azEsc('Can read key vault keys', ['AZ-47']),
  AZGetCertificates: azEsc('Can read key vault certificates', ['AZ-47']),
  AZX_ElevateAccess: azEsc('Global Administrator can elevate to User Access Administrator at root', [
    'AZ-35',
  ]),
  AZX_AssignRBAC: azEsc('Can write role assignments at the scope', ['AZ-32']),
  AZX_EditRoleDefinition: azEsc('Can add actions to a custom role it holds', ['AZ-33']),
  AZX_VMExec: azEsc('Custom role grants command execution on the VM', ['AZ-40']),
  AZX_AssignIdentity: azEsc('Can attach the user-assigned identity to compute it controls', ['AZ-49']),
  AZX_AddFederatedCredential: azEsc('Can add a federated credential to the identity', ['AZ-50']),
  AZX_PolicyIdentity: azEsc('Can make a policy remediation run as its identity', ['AZ-51']),
  AZX_HoldsCredentialFor: azEsc('Key vault holds a credential of the service principal', ['AZ-19']),
  AZX_GrantRoleViaPIM: azEsc('Can create PIM assignments or eligibilities', ['AZ-26']),
  AZX_IssueTAP: azEsc('Can issue a Temporary Access Pass for the user', ['AZ-26']),
  AZX_FederateDomain: azEsc('Can federate a domain and sign in as any user', ['AZ-10', 'AZ-26']),

  // ------------------------------------------------------------------ GCP structural
  GCP_CONTAINS: structural('gcp', 'Organization, folder or project contains the child', true),
  GCP_MEMBER_OF: structural('gcp', 'Member of the Google group', true),
  GCP_HAS_BINDING: structural('gcp', 'IAM allow binding of a role on a resource (raw)', false, {
    role: s('Role name'),
    condition: j('IAM condition'),
    bindingResource: s('Resource the binding is on'),
  }),
  GCP_RUNS_AS: structural('gcp', 'Resource runs as the service account', true, {
    scopes: { type: 'string[]', description: 'OAuth access scopes' },
  }),
  GCP_DEFAULT_BUILD_SA: structural('gcp', 'Default Cloud Build service account of the project', true),
  GCP_SERVICE_AGENT: structural('gcp', 'Google APIs service agent of the project', true),

  // ------------------------------------------------------------------ GCP escalation
  GCP_SET_IAM_POLICY: gcpEsc(
    'Can set the IAM policy of the organization, folder, project or service account',
    ['GCP-01', 'GCP-02', 'GCP-03', 'GCP-04'],
  ),
  GCP_CREATE_SA_KEY: gcpEsc('Can create a key for the service account', ['GCP-05']),
  GCP_GET_ACCESS_TOKEN: gcpEsc('Can mint access tokens as the service account', ['GCP-06']),
  GCP_SIGN_JWT: gcpEsc('Can sign JWTs as the service account', ['GCP-07']),
  GCP_SIGN_BLOB: gcpEsc('Can sign blobs as the service account', ['GCP-08']),
  GCP_IMPLICIT_DELEGATION: gcpEsc('Can delegate through the service account', ['GCP-09']),
  GCP_ACT_AS_VIA: gcpEsc('Can run code as the service account through a service (actAs + create)', [
    'GCP-11',
    'GCP-12',
    'GCP-13',
    'GCP-14',
    'GCP-15',
    'GCP-24',
    'GCP-25',
    'GCP-26',
    'GCP-27',
  ]),
  GCP_RUN_BUILD: gcpEsc('Can run Cloud Build in the project', ['GCP-16']),
  GCP_DEPLOYMENT_MANAGER: gcpEsc('Can create Deployment Manager deployments', ['GCP-17']),
  GCP_UPDATE_ROLE: gcpEsc('Can update a custom role it holds', ['GCP-18']),
  GCP_SET_ORG_POLICY: gcpEsc('Can change organization policy guardrails', ['GCP-19']),
  GCP_SSH_METADATA: gcpEsc('Can add SSH keys through instance or project metadata', ['GCP-22']),
  GCP_SSH_OSLOGIN: gcpEsc('Can log in through OS Login', ['GCP-23']),
  GCP_RUN_ON: gcpEsc('Can run jobs on an existing cluster', ['GCP-25']),
  GCP_K8S_ACCESS: gcpEsc('Can get cluster credentials', ['GCP-28']),
  GCP_WIF_PROVIDER_CONTROL: gcpEsc('Can add or change a workload identity pool provider', ['GCP-29']),
  GCP_PAM_ELIGIBLE: gcpEsc('Eligible for a Privileged Access Manager grant', ['GCP-32']),
  GCP_BIND_TAG: gcpEsc('Can bind tags that satisfy a tag-conditioned grant', ['GCP-33']),
});

export type EdgeType = keyof typeof EdgeTypes;
/** `EdgeType.AWS_ASSUME_ROLE === 'AWS_ASSUME_ROLE'`. */
export const EdgeType = Object.fromEntries(Object.keys(EdgeTypes).map((k) => [k, k])) as {
  readonly [K in EdgeType]: K;
};
export const EDGE_TYPES = Object.keys(EdgeTypes) as EdgeType[];

export function isEdgeType(value: unknown): value is EdgeType {
  return typeof value === 'string' && Object.hasOwn(EdgeTypes, value);
}
