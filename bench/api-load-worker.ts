/**
 * One autocannon run in a worker thread (so the load generator does not share the server's
 * event loop): rotates request paths, records every response time, returns them to the parent.
 * With `sequential: n` it sends n requests one after the other instead (single-request latency,
 * far less sensitive to other load on the machine than the 16-connection figure).
 */
import { parentPort, workerData } from 'node:worker_threads';
import autocannon from 'autocannon';

interface Job {
  url: string;
  token: string;
  paths: string[];
  connections: number;
  durationSec: number;
  sequential?: number;
}

const job = workerData as Job;
let i = 0;
const latencies: number[] = [];
const statuses: Record<string, number> = {};

async function runSequential(n: number): Promise<void> {
  let errors = 0;
  const t0 = performance.now();
  for (let k = 0; k < n; k++) {
    const path = job.paths[k % job.paths.length]!;
    const start = performance.now();
    try {
      const res = await fetch(`${job.url}${path}`, { headers: { authorization: `Bearer ${job.token}` } });
      await res.arrayBuffer();
      latencies.push(performance.now() - start);
      statuses[String(res.status)] = (statuses[String(res.status)] ?? 0) + 1;
    } catch {
      errors++;
    }
  }
  parentPort!.postMessage({
    latencies,
    statuses,
    errors,
    timeouts: 0,
    requests: n,
    durationSec: (performance.now() - t0) / 1000,
  });
}

if (job.sequential) void runSequential(job.sequential);
else startLoad();

function startLoad(): void {
  const instance = autocannon(
    {
      url: job.url,
      connections: job.connections,
      duration: job.durationSec,
      headers: { authorization: `Bearer ${job.token}` },
      requests: [
        {
          method: 'GET',
          setupRequest: (req) => {
            const path = job.paths[i++ % job.paths.length]!;
            return { ...req, path };
          },
        },
      ],
    },
    (err, result) => {
      if (err) throw err;
      parentPort!.postMessage({
        latencies,
        statuses,
        errors: result.errors,
        timeouts: result.timeouts,
        requests: result.requests.total,
        durationSec: result.duration,
      });
    },
  );
  instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
    latencies.push(responseTime);
    statuses[String(statusCode)] = (statuses[String(statusCode)] ?? 0) + 1;
  });
}
