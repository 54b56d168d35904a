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
  'cloudformation-003':
    'Not yet: needs the StackSet execution role named in each target account matched against the administration role',
  'cloudformation-004': 'StackSets are not in the resource inventory',
  'ec2-004': 'Launch templates are not in the resource inventory',
  'AWS-23': 'Undocumented CodeStar API, not in the action catalog; CodeStar is discontinued',
  'AWS-25': 'Does not reach admin (owner policy is read-only plus project control); CodeStar is discontinued',
};
