/**
 * The heap the permgraph process runs with. Node's default old-space limit (about 4 GiB on a
 * machine with 16 GiB or more, less on smaller ones) is below what the AWS derive holds for
 * estates past ~130,000 principals, and a heap near its limit spends its time in GC: on the
 * L estate (200k principals) evaluate takes 757 s in a 6 GiB heap and had not finished after
 * 45 minutes in the default one (docs/benchmarks.md). So the commands that load and derive
 * run with a limit sized to the machine unless the user set one. `bin/permgraph.js` asks
 * `heapToLaunch` and, when it answers, runs the CLI in a child Node with that limit.
 */

/** The commands that load or derive: what runs the AWS evaluator. */
const HEAVY_COMMANDS = new Set(['import', 'collect', 'analyze', 'scan']);
const SHARE_OF_MEMORY = 0.4;
const MAX_MiB = 8192;
const MiB = 2 ** 20;

export interface LaunchInput {
  /** process.argv.slice(2) */
  args: string[];
  env: NodeJS.ProcessEnv;
  execArgv: string[];
  totalMemBytes: number;
  heapLimitBytes: number;
}

/** The old-space limit (MiB) to relaunch with, or null to run in this process as it is. */
export function heapToLaunch(input: LaunchInput): number | null {
  const cmd = input.args.find((a) => !a.startsWith('-'));
  if (!cmd || !HEAVY_COMMANDS.has(cmd)) return null;
  if (input.args.includes('--help') || input.args.includes('-h')) return null;
  // The user (or a parent permgraph) chose the heap: respect it.
  if (input.env.PERMGRAPH_HEAP_LAUNCHED) return null;
  if (/--max-old-space-size/.test(input.env.NODE_OPTIONS ?? '')) return null;
  if (input.execArgv.some((a) => a.startsWith('--max-old-space-size'))) return null;
  const want = Math.min(MAX_MiB, Math.floor((input.totalMemBytes * SHARE_OF_MEMORY) / MiB / 1024) * 1024);
  // Only worth a second process when it adds at least a GiB.
  return want >= input.heapLimitBytes / MiB + 1024 ? want : null;
}
