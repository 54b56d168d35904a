/**
 * Node kinds: one provider label per kind plus shared ontology labels, so one query spans
 * clouds. Azure names follow BloodHound CE; GCP and AWS follow the escalation catalog.
 */
import { type PropDef, type PropMap, UsageProps } from './properties.js';

export const Provider = { aws: 'aws', azure: 'azure', gcp: 'gcp' } as const;
export type Provider = (typeof Provider)[keyof typeof Provider];
export const PROVIDERS: readonly Provider[] = Object.values(Provider);

/** Ontology labels shared by every provider. `Entity` is on every graph node and carries the id constraint. */
export const Ontology = {
  Entity: 'Entity',
  /** Anything that can act or whose rights flow to members: users, roles, groups, service principals. */
  Principal: 'Principal',
  /** A principal that can authenticate by itself (not a group). */
  Identity: 'Identity',
  Group: 'Group',
  /** A named set of permissions that is assigned (Entra/ARM/GCP roles). */
  RoleDefinition: 'RoleDefinition',
  Policy: 'Policy',
  Resource: 'Resource',
  /** A container that permissions are granted at: account, OU, subscription, project... */
  Scope: 'Scope',
  Credential: 'Credential',
  /** Outside any collected scope: foreign accounts, public, federated issuers. */
  External: 'External',
} as const;
export type OntologyLabel = (typeof Ontology)[keyof typeof Ontology];

export interface KindDef {
  readonly label: string;
  readonly provider: Provider;
  readonly ontology: readonly OntologyLabel[];
  readonly description: string;
  readonly props: PropMap;
}

const s = (description: string): PropDef => ({ type: 'string', description });
const b = (description: string): PropDef => ({ type: 'bool', description });
const i = (description: string): PropDef => ({ type: 'int', description });
const d = (description: string): PropDef => ({ type: 'datetime', description });
const j = (description: string): PropDef => ({ type: 'json', description });
const sl = (description: string): PropDef => ({ type: 'string[]', description });

const { Principal, Identity, Group, RoleDefinition, Policy, Resource, Scope, Credential, External } =
  Ontology;

// ---------------------------------------------------------------- shared property groups
const awsArn = { arn: s('Amazon Resource Name'), path: s('IAM path'), createDate: d('Creation time') };
const awsTags = { tags: j('Tags as an object') };
const awsResource = {
  arn: s('Amazon Resource Name'),
  region: s('AWS region'),
  resourcePolicy: j('Resource-based policy document'),
  roleArn: s('Role the resource runs as'),
  publicAccess: b('The resource policy admits anyone'),
  crossAccountAccess: b('The resource policy admits another account'),
  ...awsTags,
};
const azObject = {
  objectId: s('Entra object id'),
  tenantId: s('Entra tenant id'),
  displayName: s('Display name'),
};
const azResource = {
  resourceId: s('ARM resource id'),
  subscriptionId: s('Subscription id'),
  resourceGroup: s('Resource group name'),
  location: s('Azure region'),
};
const gcpResource = { resourceName: s('Full resource name'), projectId: s('Project id') };

function kinds<const T extends Record<string, Omit<KindDef, 'label'>>>(defs: T): { [K in keyof T]: KindDef } {
  const out: Record<string, KindDef> = {};
  for (const [label, def] of Object.entries(defs)) out[label] = { label, ...def };
  return out as { [K in keyof T]: KindDef };
}

export const NodeKinds = kinds({
  // ------------------------------------------------------------------ AWS
  AWSOrganization: {
    provider: 'aws',
    ontology: [Scope],
    description: 'AWS Organization',
    props: { orgId: s('Organization id'), arn: s('ARN'), managementAccountId: s('Management account id') },
  },
  AWSOrganizationalUnit: {
    provider: 'aws',
    ontology: [Scope],
    description: 'Organizational unit or root of an AWS Organization',
    props: { ouId: s('OU or root id'), arn: s('ARN'), isRoot: b('This is the organization root') },
  },
  AWSAccount: {
    provider: 'aws',
    ontology: [Scope, Principal],
    description: 'AWS account; as a principal it stands for the account root, which trusts can delegate to',
    props: {
      accountId: s('12-digit account id'),
      email: s('Account email'),
      status: s('Account status'),
      isManagement: b('Organization management account (exempt from SCPs)'),
      collected: b('IAM data of this account was collected'),
    },
  },
  AWSUser: {
    provider: 'aws',
    ontology: [Principal, Identity],
    description: 'IAM user',
    props: {
      ...awsArn,
      ...awsTags,
      ...UsageProps,
      userId: s('Unique id (AIDA...)'),
      passwordLastUsed: d('Console password last used'),
      hasLoginProfile: b('Has a console password'),
      mfaEnabled: b('Has an MFA device'),
      accessKeyCount: i('Number of access keys'),
      permissionsBoundary: s('ARN of the permissions boundary policy'),
    },
  },
  AWSGroup: {
    provider: 'aws',
    ontology: [Principal, Group],
    description: 'IAM group',
    props: { ...awsArn, groupId: s('Unique id (AGPA...)') },
  },
  AWSRole: {
    provider: 'aws',
    ontology: [Principal, Identity],
    description: 'IAM role',
    props: {
      ...awsArn,
      ...awsTags,
      ...UsageProps,
      roleId: s('Unique id (AROA...)'),
      trustPolicy: j('Assume-role (trust) policy document'),
      maxSessionDuration: i('Maximum session duration in seconds'),
      serviceLinked: b('Service-linked role (protected, SCP-exempt)'),
      lastUsedRegion: s('Region of the last use'),
      permissionsBoundary: s('ARN of the permissions boundary policy'),
    },
  },
  AWSPolicy: {
    provider: 'aws',
    ontology: [Policy],
    description: 'Managed IAM policy, SCP or RCP',
    props: {
      ...awsArn,
      policyId: s('Policy id'),
      policyType: s('managed, scp or rcp'),
      awsManaged: b('AWS-managed policy (cannot be edited)'),
      defaultVersionId: s('Version in force'),
      document: j('Policy document in force'),
      versions: j('Non-default versions [{versionId, document}]'),
      attachmentCount: i('Number of attachments'),
      description: s('Policy description'),
    },
  },
  AWSInlinePolicy: {
    provider: 'aws',
    ontology: [Policy],
    description: 'Inline policy embedded in a user, group or role',
    props: {
      policyName: s('Policy name'),
      ownerArn: s('User, group or role it is embedded in'),
      document: j('Policy document'),
    },
  },
  AWSInstanceProfile: {
    provider: 'aws',
    ontology: [Resource],
    description: 'EC2 instance profile',
    props: { ...awsArn, instanceProfileId: s('Unique id') },
  },
  AWSAccessKey: {
    provider: 'aws',
    ontology: [Credential],
    description: 'IAM user access key',
    props: {
      accessKeyId: s('Access key id'),
      status: s('Active or Inactive'),
      createDate: d('Creation time'),
      lastUsedService: s('Service of the last use'),
      ...UsageProps,
    },
  },
  AWSServicePrincipal: {
    provider: 'aws',
    ontology: [Principal, External],
    description: 'AWS service principal named in trust policies (e.g. lambda.amazonaws.com)',
    props: { service: s('Service principal name') },
  },
  AWSIdentityProvider: {
    provider: 'aws',
    ontology: [Principal],
    description: 'SAML or OIDC identity provider federated into IAM',
    props: {
      arn: s('ARN'),
      providerType: s('SAML or OIDC'),
      url: s('Issuer URL'),
      audiences: sl('Client ids'),
    },
  },
  AWSExternalPrincipal: {
    provider: 'aws',
    ontology: [Principal, External],
    description: 'Principal outside every collected account, or anyone ("*")',
    props: { arn: s('ARN or *'), isPublic: b('Stands for anyone') },
  },
  AWSAdmin: {
    provider: 'aws',
    ontology: [Scope],
    description: 'Synthetic tier-zero node: administrator of one AWS account',
    props: { accountId: s('Account id') },
  },
  AWSLambdaFunction: {
    provider: 'aws',
    ontology: [Resource],
    description: 'Lambda function',
    props: { ...awsResource, runtime: s('Runtime') },
  },
  AWSEC2Instance: {
    provider: 'aws',
    ontology: [Resource],
    description: 'EC2 instance',
    props: {
      ...awsResource,
      instanceId: s('Instance id'),
      state: s('Instance state'),
      instanceProfileArn: s('Instance profile ARN'),
    },
  },
  AWSCloudFormationStack: {
    provider: 'aws',
    ontology: [Resource],
    description: 'CloudFormation stack',
    props: { ...awsResource, status: s('Stack status') },
  },
  AWSGlueDevEndpoint: {
    provider: 'aws',
    ontology: [Resource],
    description: 'Glue development endpoint',
    props: { ...awsResource, status: s('Endpoint status') },
  },
  AWSGlueJob: { provider: 'aws', ontology: [Resource], description: 'Glue job', props: { ...awsResource } },
  AWSSageMakerNotebook: {
    provider: 'aws',
    ontology: [Resource],
    description: 'SageMaker notebook instance',
    props: { ...awsResource, status: s('Notebook status') },
  },
  AWSECSTaskDefinition: {
    provider: 'aws',
    ontology: [Resource],
    description: 'ECS task definition',
    props: { ...awsResource, executionRoleArn: s('Task execution role') },
  },
  AWSCodeBuildProject: {
    provider: 'aws',
    ontology: [Resource],
    description: 'CodeBuild project',
    props: { ...awsResource },
  },
  AWSS3Bucket: { provider: 'aws', ontology: [Resource], description: 'S3 bucket', props: { ...awsResource } },
  AWSKMSKey: { provider: 'aws', ontology: [Resource], description: 'KMS key', props: { ...awsResource } },
  AWSSQSQueue: { provider: 'aws', ontology: [Resource], description: 'SQS queue', props: { ...awsResource } },
  AWSSNSTopic: { provider: 'aws', ontology: [Resource], description: 'SNS topic', props: { ...awsResource } },
  AWSSecret: {
    provider: 'aws',
    ontology: [Resource],
    description: 'Secrets Manager secret',
    props: { ...awsResource },
  },

  // ------------------------------------------------------------------ Azure / Entra
  AZTenant: {
    provider: 'azure',
    ontology: [Scope],
    description: 'Entra tenant',
    props: { tenantId: s('Tenant id'), displayName: s('Display name') },
  },
  AZUser: {
    provider: 'azure',
    ontology: [Principal, Identity],
    description: 'Entra user',
    props: {
      ...azObject,
      ...UsageProps,
      userPrincipalName: s('UPN'),
      enabled: b('Account enabled'),
      userType: s('Member or Guest'),
      onPremisesSyncEnabled: b('Synced from on-premises AD'),
      mfaRegistered: b('Has strong authentication methods'),
    },
  },
  AZGroup: {
    provider: 'azure',
    ontology: [Principal, Group],
    description: 'Entra group',
    props: {
      ...azObject,
      isAssignableToRole: b('Role-assignable group'),
      securityEnabled: b('Security group'),
      dynamicMembership: b('Dynamic membership'),
    },
  },
  AZServicePrincipal: {
    provider: 'azure',
    ontology: [Principal, Identity],
    description: 'Entra service principal (including managed identities)',
    props: {
      ...azObject,
      ...UsageProps,
      appId: s('Application (client) id'),
      servicePrincipalType: s('Application, ManagedIdentity, Legacy'),
      appOwnerOrganizationId: s('Tenant that owns the app'),
    },
  },
  AZApp: {
    provider: 'azure',
    ontology: [Resource],
    description: 'Entra application registration',
    props: { ...azObject, appId: s('Application (client) id'), signInAudience: s('Sign-in audience') },
  },
  AZRole: {
    provider: 'azure',
    ontology: [RoleDefinition],
    description: 'Entra directory role',
    props: {
      ...azObject,
      templateId: s('Role template id'),
      isBuiltIn: b('Built-in role'),
      permissions: sl('microsoft.directory/... resource actions'),
    },
  },
  AZRoleDefinition: {
    provider: 'azure',
    ontology: [RoleDefinition],
    description: 'Azure RBAC role definition',
    props: {
      roleDefinitionId: s('Role definition id (GUID)'),
      roleType: s('BuiltInRole or CustomRole'),
      actions: sl('Actions'),
      notActions: sl('NotActions'),
      dataActions: sl('DataActions'),
      notDataActions: sl('NotDataActions'),
      assignableScopes: sl('Assignable scopes'),
    },
  },
  AZDevice: {
    provider: 'azure',
    ontology: [Resource],
    description: 'Entra device',
    props: { ...azObject, operatingSystem: s('OS'), managed: b('Intune managed') },
  },
  AZManagementGroup: {
    provider: 'azure',
    ontology: [Scope],
    description: 'Azure management group',
    props: { ...azResource, isRoot: b('Tenant root management group') },
  },
  AZSubscription: {
    provider: 'azure',
    ontology: [Scope],
    description: 'Azure subscription',
    props: { ...azResource },
  },
  AZResourceGroup: {
    provider: 'azure',
    ontology: [Scope],
    description: 'Azure resource group',
    props: { ...azResource },
  },
  AZVM: { provider: 'azure', ontology: [Resource], description: 'Virtual machine', props: { ...azResource } },
  AZVMScaleSet: {
    provider: 'azure',
    ontology: [Resource],
    description: 'Virtual machine scale set',
    props: { ...azResource },
  },
  AZKeyVault: {
    provider: 'azure',
    ontology: [Resource],
    description: 'Key vault',
    props: { ...azResource, enableRbacAuthorization: b('RBAC permission model') },
  },
  AZAutomationAccount: {
    provider: 'azure',
    ontology: [Resource],
    description: 'Automation account',
    props: { ...azResource },
  },
  AZLogicApp: { provider: 'azure', ontology: [Resource], description: 'Logic app', props: { ...azResource } },
  AZWebApp: {
    provider: 'azure',
    ontology: [Resource],
    description: 'App Service web app',
    props: { ...azResource },
  },
  AZFunctionApp: {
    provider: 'azure',
    ontology: [Resource],
    description: 'Function app',
    props: { ...azResource },
  },
  AZManagedCluster: {
    provider: 'azure',
    ontology: [Resource],
    description: 'AKS cluster',
    props: { ...azResource },
  },
  AZContainerRegistry: {
    provider: 'azure',
    ontology: [Resource],
    description: 'Container registry',
    props: { ...azResource },
  },
  AZStorageAccount: {
    provider: 'azure',
    ontology: [Resource],
    description: 'Storage account',
    props: { ...azResource },
  },
  AZUserAssignedIdentity: {
    provider: 'azure',
    ontology: [Resource],
    description: 'User-assigned managed identity (ARM resource; its principal is an AZServicePrincipal)',
    props: { ...azResource, principalId: s('Object id of its service principal') },
  },
  AZFederatedIdentityCredential: {
    provider: 'azure',
    ontology: [Credential],
    description: 'Federated identity credential on an app or user-assigned identity',
    props: { issuer: s('Token issuer'), subject: s('Subject'), audiences: sl('Audiences') },
  },

  // ------------------------------------------------------------------ GCP
  GCPOrganization: {
    provider: 'gcp',
    ontology: [Scope],
    description: 'GCP organization',
    props: { ...gcpResource, domain: s('Primary domain') },
  },
  GCPFolder: { provider: 'gcp', ontology: [Scope], description: 'GCP folder', props: { ...gcpResource } },
  GCPProject: {
    provider: 'gcp',
    ontology: [Scope],
    description: 'GCP project',
    props: { ...gcpResource, projectNumber: s('Project number') },
  },
  GCPUser: {
    provider: 'gcp',
    ontology: [Principal, Identity],
    description: 'Google account (user:)',
    props: { email: s('Email'), ...UsageProps },
  },
  GCPGroup: {
    provider: 'gcp',
    ontology: [Principal, Group],
    description: 'Google group',
    props: { email: s('Email') },
  },
  GCPServiceAccount: {
    provider: 'gcp',
    ontology: [Principal, Identity, Resource],
    description: 'Service account (a principal and a resource)',
    props: {
      ...gcpResource,
      ...UsageProps,
      email: s('Email'),
      uniqueId: s('Unique id'),
      disabled: b('Disabled'),
      defaultAccount: b('Default or Google-managed service account'),
      autoEditor: b('Default compute SA that was auto-granted Editor'),
    },
  },
  GCPDomain: {
    provider: 'gcp',
    ontology: [Principal, External],
    description: 'Every identity of a Workspace / Cloud Identity domain',
    props: { domain: s('Domain') },
  },
  GCPPublic: {
    provider: 'gcp',
    ontology: [Principal, External],
    description: 'allUsers or allAuthenticatedUsers',
    props: { member: s('allUsers or allAuthenticatedUsers') },
  },
  GCPRole: {
    provider: 'gcp',
    ontology: [RoleDefinition],
    description: 'Predefined or custom IAM role',
    props: {
      roleName: s('roles/... or custom role name'),
      permissions: sl('Permissions'),
      custom: b('Custom role'),
    },
  },
  GCPInstance: {
    provider: 'gcp',
    ontology: [Resource],
    description: 'Compute Engine VM',
    props: { ...gcpResource },
  },
  GCPFunction: {
    provider: 'gcp',
    ontology: [Resource],
    description: 'Cloud Function',
    props: { ...gcpResource },
  },
  GCPRunService: {
    provider: 'gcp',
    ontology: [Resource],
    description: 'Cloud Run service',
    props: { ...gcpResource },
  },
  GCPCluster: {
    provider: 'gcp',
    ontology: [Resource],
    description: 'GKE cluster',
    props: { ...gcpResource },
  },
  GCPWorkloadIdentityPool: {
    provider: 'gcp',
    ontology: [Principal, External],
    description: 'Workload or workforce identity pool',
    props: { ...gcpResource },
  },
});

export type NodeKind = keyof typeof NodeKinds;
/** `NodeKind.AWSRole === 'AWSRole'`: write kinds through this object, never as bare strings. */
export const NodeKind = Object.fromEntries(Object.keys(NodeKinds).map((k) => [k, k])) as {
  readonly [K in NodeKind]: K;
};
export const NODE_KINDS = Object.keys(NodeKinds) as NodeKind[];

export function isNodeKind(value: unknown): value is NodeKind {
  return typeof value === 'string' && Object.hasOwn(NodeKinds, value);
}
