import type { Command } from 'commander';
import {
  ESTATE_SIZES,
  type EstateSize,
  generateAwsEstate,
  isEstateSize,
} from '../../ingest/generate/aws-estate.js';
import { usageError } from '../context.js';
import { log, printJson } from '../ui.js';

export function registerGenerate(
  program: Command,
  run: (fn: () => Promise<number | void>, json?: boolean) => Promise<void>,
): void {
  program
    .command('generate')
    .description(
      'Write a deterministic synthetic AWS estate (collection directory with planted escalation paths in planted.json)',
    )
    .requiredOption('--out <dir>', 'output directory (importable with `permgraph import DIR`)')
    .option('--size <size>', `estate size: ${Object.keys(ESTATE_SIZES).join(', ')}`, 'S')
    .option('--seed <n>', 'seed; the same seed and size give the same bytes', '1')
    .option('--json', 'machine-readable output')
    .action((o: { out: string; size: string; seed: string; json?: boolean }) =>
      run(async () => {
        const size = o.size.toUpperCase();
        if (!isEstateSize(size))
          throw usageError(`--size ${o.size}: expected one of ${Object.keys(ESTATE_SIZES).join(', ')}`);
        const seed = Number(o.seed);
        if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)
          throw usageError(`--seed ${o.seed}: expected an integer between 0 and 4294967295`);
        const r = await generateAwsEstate({
          size: size as EstateSize,
          seed,
          out: o.out,
          log: o.json ? undefined : (m) => log.info(m),
        });
        if (o.json) {
          printJson(r);
          return;
        }
        const c = r.counts;
        process.stdout.write(
          `Generated estate ${r.size} (seed ${r.seed}) in ${r.dir}: ${c.accounts} accounts, ${c.users} users, ` +
            `${c.groups} groups, ${c.roles} roles, ${c.customerPolicies} customer policies, ` +
            `${c.plantedPaths} planted escalation paths (planted.json); ${(r.bytes / 1048576).toFixed(1)} MiB in ${(r.ms / 1000).toFixed(1)} s\n`,
        );
      }, o.json),
    );
}
