import path from 'node:path';
import type { Command } from 'commander';
import { dataRoot } from '../../cypher/db/config.js';
import { AppError } from '../../cypher/errors.js';
import { collectAws } from '../../ingest/aws/collect/index.js';
import { checkCollection, defaultRegions } from '../../ingest/aws/collect/live.js';
import { importFiles } from '../../ingest/pipeline.js';
import { withGraph } from '../context.js';
import { log, pipelineLog, printJson, table } from '../ui.js';

/** The collector's options, shared by `collect aws` and `scan --collect aws`. */
export interface AwsCollectCliOptions {
  profile?: string;
  region?: string[];
  org?: boolean;
  roleName: string;
  out?: string;
  endpointUrl?: string;
  concurrency: number;
}

interface CollectAwsCliOptions extends AwsCollectCliOptions {
  import: boolean;
  json?: boolean;
}

/** Adds the collector's options to a command; `note` prefixes each description (e.g. "with --collect: "). */
export function addAwsCollectOptions(cmd: Command, note = '', outDefault = 'aws-<time>'): Command {
  return cmd
    .option('--profile <name>', `${note}AWS profile (default: the SDK credential chain)`)
    .option(
      '--region <region>',
      `${note}region for the resource inventory (repeat or comma-separate; default AWS_REGION or us-east-1)`,
      (v: string, prev: string[] = []) => [
        ...prev,
        ...v
          .split(',')
          .map((r) => r.trim())
          .filter(Boolean),
      ],
    )
    .option(
      '--org',
      `${note}collect the organization and every member account (run from the management account)`,
    )
    .option(
      '--role-name <name>',
      `${note}role assumed in each member account with --org`,
      'OrganizationAccountAccessRole',
    )
    .option('--out <dir>', `${note}collection directory (default <data dir>/collections/${outDefault})`)
    .option('--endpoint-url <url>', `${note}send every AWS API call to this endpoint (tests, emulators)`)
    .option('--concurrency <n>', `${note}AWS API calls in flight at once`, (v) => Number(v), 8);
}

export function checkConcurrency(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > 64)
    throw new AppError('USAGE', '--concurrency must be an integer between 1 and 64');
}

const stamp = (d: Date) =>
  d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');

export function registerCollect(
  program: Command,
  run: (fn: () => Promise<number | void>, json?: boolean) => Promise<void>,
): void {
  const collect = program.command('collect').description('Read a cloud estate live with the official SDKs');
  const aws = collect
    .command('aws')
    .description(
      'Collect AWS IAM, organization, usage and resources into a directory (docs/aws-collection-layout.md), then import it',
    );
  addAwsCollectOptions(aws)
    .option('--no-import', 'only write the collection directory')
    .option('--json', 'machine-readable output')
    .action((o: CollectAwsCliOptions) =>
      run(async () => {
        checkConcurrency(o.concurrency);
        const now = new Date();
        const out = o.out ?? path.join(dataRoot(), 'collections', `aws-${stamp(now)}`);
        const regions = o.region ?? defaultRegions();
        const result = await collectAws({
          out,
          regions,
          ...(o.profile ? { profile: o.profile } : {}),
          org: Boolean(o.org),
          roleName: o.roleName,
          ...(o.endpointUrl ? { endpointUrl: o.endpointUrl } : {}),
          concurrency: o.concurrency,
          log: pipelineLog,
          now,
        });
        checkCollection(result, (m) => log.warn(m));
        const imported = o.import
          ? await withGraph({}, (graph) => importFiles(graph, [result.out], { log: pipelineLog, now }))
          : null;
        if (o.json) {
          printJson({ collection: result, import: imported });
          return;
        }
        process.stdout.write(`Collection written to ${result.out} in ${(result.ms / 1000).toFixed(1)} s\n`);
        process.stdout.write(
          table(
            result.accounts.map((a) => ({
              account: a.id,
              complete: a.complete ? 'yes' : 'no',
              gaps: a.gaps,
            })),
          ),
        );
        if (imported) {
          for (const w of imported.warnings) log.warn(w);
          process.stdout.write(
            table(
              imported.loads.map((l) => ({
                scan: l.scanId,
                nodes: l.nodes,
                edges: l.edges,
                gaps: l.gaps,
                seconds: (l.ms.total / 1000).toFixed(1),
              })),
            ),
          );
        } else {
          process.stdout.write(`Import it later with: permgraph import ${result.out}\n`);
        }
      }, o.json),
    );
}
