/**
 * Escalation techniques of docs/../aws-escalation-paths.md as data. One engine
 * (derive/escalation.ts) evaluates every row; ids are the catalog's, unchanged.
 */
import type { EdgeType, NodeKind } from '../../../cypher/schema/index.js';

/** New-passrole rows: pass an existing role R to a new service resource. */
export interface PassRoleTechnique {
  id: string;
  name: string;
  /** Service principals R must trust (any one). */
  services: string[];
  /** Actions besides iam:PassRole, each evaluated against a resource the attacker names. */
  actions: string[];
  /** R must sit in an instance profile (EC2). */
  needsInstanceProfile?: boolean;
  /** Preconditions the collected data cannot decide: the edge is conditional and says why. */
  undecided?: string;
  /** An existing resource of this kind is re-pointed (glue-005/006): the edge goes via it. */
  existing?: NodeKind;
}

export const PASSROLE_TECHNIQUES: PassRoleTechnique[] = [
  {
    id: 'apprunner-001',
    name: 'New App Runner service',
    services: ['tasks.apprunner.amazonaws.com'],
    actions: ['apprunner:CreateService'],
  },
  {
    id: 'bedrock-001',
    name: 'New AgentCore code interpreter',
    services: ['bedrock-agentcore.amazonaws.com'],
    actions: [
      'bedrock-agentcore:CreateCodeInterpreter',
      'bedrock-agentcore:StartCodeInterpreterSession',
      'bedrock-agentcore:InvokeCodeInterpreter',
    ],
  },
  {
    id: 'cloudformation-001',
    name: 'New stack with a service role',
    services: ['cloudformation.amazonaws.com'],
    actions: ['cloudformation:CreateStack'],
  },
  {
    id: 'codebuild-001',
    name: 'New CodeBuild project + build',
    services: ['codebuild.amazonaws.com'],
    actions: ['codebuild:CreateProject', 'codebuild:StartBuild'],
  },
  {
    id: 'codebuild-004',
    name: 'New project + batch build',
    services: ['codebuild.amazonaws.com'],
    actions: ['codebuild:CreateProject', 'codebuild:StartBuildBatch'],
  },
  {
    id: 'datapipeline-001',
    name: 'New Data Pipeline',
    services: ['datapipeline.amazonaws.com', 'elasticmapreduce.amazonaws.com'],
    actions: [
      'datapipeline:CreatePipeline',
      'datapipeline:PutPipelineDefinition',
      'datapipeline:ActivatePipeline',
    ],
    undecided: 'the pipeline definition also names an EC2 resource role that must be passable',
  },
  {
    id: 'ec2-001',
    name: 'Launch an instance with a profile',
    services: ['ec2.amazonaws.com'],
    actions: ['ec2:RunInstances'],
    needsInstanceProfile: true,
  },
  {
    id: 'ec2-003',
    name: 'Spot request with a profile',
    services: ['ec2.amazonaws.com'],
    actions: ['ec2:RequestSpotInstances'],
    needsInstanceProfile: true,
    undecided: 'a usable VPC and subnet must exist',
  },
  {
    id: 'ecs-001',
    name: 'New cluster + service',
    services: ['ecs-tasks.amazonaws.com'],
    actions: ['ecs:CreateCluster', 'ecs:RegisterTaskDefinition', 'ecs:CreateService'],
  },
  {
    id: 'ecs-002',
    name: 'New cluster + RunTask',
    services: ['ecs-tasks.amazonaws.com'],
    actions: ['ecs:CreateCluster', 'ecs:RegisterTaskDefinition', 'ecs:RunTask'],
  },
  {
    id: 'ecs-003',
    name: 'Task definition + service',
    services: ['ecs-tasks.amazonaws.com'],
    actions: ['ecs:RegisterTaskDefinition', 'ecs:CreateService'],
    undecided: 'an ECS cluster must exist (clusters are not in the inventory)',
  },
  {
    id: 'ecs-004',
    name: 'Task definition + RunTask',
    services: ['ecs-tasks.amazonaws.com'],
    actions: ['ecs:RegisterTaskDefinition', 'ecs:RunTask'],
    undecided: 'an ECS cluster must exist (clusters are not in the inventory)',
  },
  {
    id: 'ecs-005',
    name: 'Task definition + StartTask',
    services: ['ecs-tasks.amazonaws.com'],
    actions: ['ecs:RegisterTaskDefinition', 'ecs:StartTask'],
    undecided: 'the cluster needs a registered EC2 container instance',
  },
  {
    id: 'glue-001',
    name: 'New Glue dev endpoint',
    services: ['glue.amazonaws.com'],
    actions: ['glue:CreateDevEndpoint'],
  },
  {
    id: 'glue-003',
    name: 'New Glue job + run',
    services: ['glue.amazonaws.com'],
    actions: ['glue:CreateJob', 'glue:StartJobRun'],
  },
  {
    id: 'glue-004',
    name: 'New Glue job + trigger',
    services: ['glue.amazonaws.com'],
    actions: ['glue:CreateJob', 'glue:CreateTrigger'],
  },
  {
    id: 'glue-005',
    name: 'Re-point an existing job + run',
    services: ['glue.amazonaws.com'],
    actions: ['glue:UpdateJob', 'glue:StartJobRun'],
    existing: 'AWSGlueJob',
  },
  {
    id: 'glue-006',
    name: 'Re-point an existing job + trigger',
    services: ['glue.amazonaws.com'],
    actions: ['glue:UpdateJob', 'glue:CreateTrigger'],
    existing: 'AWSGlueJob',
  },
  {
    id: 'lambda-001',
    name: 'New function + invoke',
    services: ['lambda.amazonaws.com'],
    actions: ['lambda:CreateFunction', 'lambda:InvokeFunction'],
  },
  {
    id: 'lambda-002',
    name: 'New function + event source',
    services: ['lambda.amazonaws.com'],
    actions: ['lambda:CreateFunction', 'lambda:CreateEventSourceMapping'],
    undecided: 'an event source (DynamoDB or Kinesis stream, SQS queue) must receive records',
  },
  {
    id: 'lambda-006',
    name: 'New function + resource-policy invoke',
    services: ['lambda.amazonaws.com'],
    actions: ['lambda:CreateFunction', 'lambda:AddPermission'],
  },
  {
    id: 'sagemaker-001',
    name: 'New notebook instance',
    services: ['sagemaker.amazonaws.com'],
    actions: ['sagemaker:CreateNotebookInstance'],
  },
  {
    id: 'sagemaker-002',
    name: 'New training job',
    services: ['sagemaker.amazonaws.com'],
    actions: ['sagemaker:CreateTrainingJob'],
    undecided: 'an S3 bucket for code and output must be reachable by the role',
  },
  {
    id: 'sagemaker-003',
    name: 'New processing job',
    services: ['sagemaker.amazonaws.com'],
    actions: ['sagemaker:CreateProcessingJob'],
    undecided: 'an S3 bucket for code and output must be reachable by the role',
  },
  {
    id: 'AWS-24',
    name: 'PassRole to a new CodeStar project',
    services: ['codestar.amazonaws.com'],
    actions: ['codestar:CreateProject'],
    undecided: 'CodeStar was discontinued in 2024',
  },
];

/** Existing-passrole rows: take over a resource that already runs as role R. */
export interface HijackTechnique {
  id: string;
  name: string;
  /** Resource kinds the row applies to. */
  kinds: NodeKind[];
  actions: string[];
  undecided?: string;
  /** Changing the stack or change set: edge type differs (cloudformation-005 is new-passrole). */
  edge?: EdgeType;
}

export const HIJACK_TECHNIQUES: HijackTechnique[] = [
  {
    id: 'cloudformation-002',
    name: 'Update an existing stack',
    kinds: ['AWSCloudFormationStack'],
    actions: ['cloudformation:UpdateStack'],
  },
  {
    id: 'cloudformation-005',
    name: 'Change set on an existing stack',
    kinds: ['AWSCloudFormationStack'],
    actions: ['cloudformation:CreateChangeSet', 'cloudformation:ExecuteChangeSet'],
    edge: 'AWS_PASSROLE_VIA',
  },
  {
    id: 'codebuild-002',
    name: 'Build with buildspec override',
    kinds: ['AWSCodeBuildProject'],
    actions: ['codebuild:StartBuild'],
    undecided: 'buildspec override must not be blocked',
  },
  {
    id: 'codebuild-003',
    name: 'Batch build with override',
    kinds: ['AWSCodeBuildProject'],
    actions: ['codebuild:StartBuildBatch'],
    undecided: 'the project must be configured for batch builds',
  },
  {
    id: 'ec2-002',
    name: 'Rewrite user data',
    kinds: ['AWSEC2Instance'],
    actions: ['ec2:ModifyInstanceAttribute', 'ec2:StopInstances', 'ec2:StartInstances'],
  },
  {
    id: 'ec2instanceconnect-003',
    name: 'Push an SSH key',
    kinds: ['AWSEC2Instance'],
    actions: ['ec2-instance-connect:SendSSHPublicKey'],
    undecided: 'Instance Connect must be installed and port 22 reachable',
  },
  {
    id: 'glue-002',
    name: 'Add SSH key to a dev endpoint',
    kinds: ['AWSGlueDevEndpoint'],
    actions: ['glue:UpdateDevEndpoint'],
  },
  {
    id: 'lambda-003',
    name: 'Replace function code',
    kinds: ['AWSLambdaFunction'],
    actions: ['lambda:UpdateFunctionCode'],
    undecided: 'the function must be invoked by some trigger',
  },
  {
    id: 'lambda-004',
    name: 'Replace code + invoke',
    kinds: ['AWSLambdaFunction'],
    actions: ['lambda:UpdateFunctionCode', 'lambda:InvokeFunction'],
  },
  {
    id: 'lambda-005',
    name: 'Replace code + grant self invoke',
    kinds: ['AWSLambdaFunction'],
    actions: ['lambda:UpdateFunctionCode', 'lambda:AddPermission'],
  },
  {
    id: 'AWS-26',
    name: 'Inject a Lambda layer',
    kinds: ['AWSLambdaFunction'],
    actions: ['lambda:UpdateFunctionConfiguration'],
    undecided: 'a shadowing layer must be available and the function invoked',
  },
  {
    id: 'sagemaker-004',
    name: 'Presigned notebook URL',
    kinds: ['AWSSageMakerNotebook'],
    actions: ['sagemaker:CreatePresignedNotebookInstanceUrl'],
  },
  {
    id: 'sagemaker-005',
    name: 'Malicious lifecycle config',
    kinds: ['AWSSageMakerNotebook'],
    actions: [
      'sagemaker:CreateNotebookInstanceLifecycleConfig',
      'sagemaker:StopNotebookInstance',
      'sagemaker:UpdateNotebookInstance',
      'sagemaker:StartNotebookInstance',
    ],
  },
  {
    id: 'ssm-001',
    name: 'Session Manager shell',
    kinds: ['AWSEC2Instance'],
    actions: ['ssm:StartSession'],
    undecided: 'the instance must be running and SSM-managed',
  },
  {
    id: 'ssm-002',
    name: 'Run Command',
    kinds: ['AWSEC2Instance'],
    actions: ['ssm:SendCommand'],
    undecided: 'the instance must be running and SSM-managed',
  },
];

/** Every id of aws-escalation-paths.md with how it is modelled (docs/escalation-coverage.md mirrors it). */
export const NOT_MODELLED: Record<string, string> = {
  'apprunner-002': 'App Runner services are not in the resource inventory',
  'bedrock-002': 'AgentCore code interpreters are not in the resource inventory',
  'cloudformation-004': 'StackSets are not in the resource inventory',
  'ec2-004': 'Launch templates are not in the resource inventory',
  'AWS-23': 'Undocumented CodeStar API, not in the action catalog; CodeStar is discontinued',
  'AWS-25': 'Does not reach admin (owner policy is read-only plus project control); CodeStar is discontinued',
};

/** IAM-only rows, evaluated by dedicated code in engine.ts (they pick targets among principals). */
export const IAM_TECHNIQUES: Record<string, string> = {
  'iam-001': 'AWS_EDIT_POLICY',
  'cloudformation-003': 'AWS_PASSROLE_VIA',
  'iam-005': 'AWS_PUT_INLINE_POLICY',
  'iam-007': 'AWS_PUT_INLINE_POLICY',
  'iam-008': 'AWS_ATTACH_POLICY',
  'iam-009': 'AWS_ATTACH_POLICY',
  'iam-010': 'AWS_ATTACH_POLICY',
  'iam-011': 'AWS_PUT_INLINE_POLICY',
  'iam-013': 'AWS_ADD_TO_GROUP',
  'iam-002': 'AWS_CREATE_ACCESS_KEY',
  'iam-003': 'AWS_CREATE_ACCESS_KEY',
  'iam-004': 'AWS_SET_PASSWORD',
  'iam-006': 'AWS_SET_PASSWORD',
  'iam-012': 'AWS_EDIT_TRUST',
  'iam-014': 'AWS_ATTACH_POLICY',
  'iam-015': 'AWS_ATTACH_POLICY',
  'iam-016': 'AWS_EDIT_POLICY',
  'iam-017': 'AWS_PUT_INLINE_POLICY',
  'iam-018': 'AWS_PUT_INLINE_POLICY',
  'iam-019': 'AWS_ATTACH_POLICY',
  'iam-020': 'AWS_EDIT_POLICY',
  'iam-021': 'AWS_PUT_INLINE_POLICY',
  'sts-001': 'AWS_ASSUME_ROLE',
  'AWS-02': 'AWS_EDIT_POLICY',
};

/** Every path id of aws-escalation-paths.md (DataDog pathfinding.cloud @84dd65c + 5 Rhino methods). */
export const ALL_PATH_IDS = [
  // self-escalation (8)
  'iam-001',
  'iam-005',
  'iam-007',
  'iam-008',
  'iam-009',
  'iam-010',
  'iam-011',
  'iam-013',
  // principal-access (14)
  'iam-002',
  'iam-003',
  'iam-004',
  'iam-006',
  'iam-012',
  'iam-014',
  'iam-015',
  'iam-016',
  'iam-017',
  'iam-018',
  'iam-019',
  'iam-020',
  'iam-021',
  'sts-001',
  // new-passrole (27)
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
  // existing-passrole (16)
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
  // Rhino Security Labs methods not in the catalog (5)
  'AWS-02',
  'AWS-26',
  'AWS-24',
  'AWS-23',
  'AWS-25',
] as const;

/** Ids the derive pass models. */
export function modelledPathIds(): Set<string> {
  return new Set([
    ...Object.keys(IAM_TECHNIQUES),
    ...PASSROLE_TECHNIQUES.map((t) => t.id),
    ...HIJACK_TECHNIQUES.map((t) => t.id),
  ]);
}
