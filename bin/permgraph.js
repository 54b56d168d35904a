#!/usr/bin/env node
// Commands that load and derive get a heap sized to the machine (dist/cli/launch.js says why);
// the CLI then runs in a child Node with that limit, and this process relays its exit.
import { spawn } from 'node:child_process';
import { constants, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { getHeapStatistics } from 'node:v8';
import { heapToLaunch } from '../dist/cli/launch.js';

const heapMiB = heapToLaunch({
  args: process.argv.slice(2),
  env: process.env,
  execArgv: process.execArgv,
  // Inside a container the cgroup limit, not the host's memory, is what there is.
  totalMemBytes: Math.min(totalmem(), process.constrainedMemory?.() || Number.POSITIVE_INFINITY),
  heapLimitBytes: getHeapStatistics().heap_size_limit,
});

if (heapMiB === null) {
  await import('../dist/cli/main.js');
} else {
  const child = spawn(
    process.execPath,
    [
      ...process.execArgv,
      `--max-old-space-size=${heapMiB}`,
      fileURLToPath(import.meta.url),
      ...process.argv.slice(2),
    ],
    { stdio: 'inherit', env: { ...process.env, PERMGRAPH_HEAP_LAUNCHED: String(heapMiB) } },
  );
  const relay = (signal) => child.kill(signal);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, relay);
  child.on('error', (err) => {
    process.stderr.write(`permgraph: could not start Node: ${err.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    if (signal) {
      for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.off(s, relay);
      process.kill(process.pid, signal);
      // As PID 1 (in a container) the default action does not apply: exit as a shell would.
      setTimeout(() => process.exit(128 + (constants.signals[signal] ?? 0)), 100);
    } else {
      process.exit(code ?? 1);
    }
  });
}
