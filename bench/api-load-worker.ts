/**
 * One autocannon run in a worker thread (so the load generator does not share the server's
 * event loop): rotates request paths, records every response time, returns them to the parent.
 */
import { parentPort, workerData } from 'node:worker_threads';
import autocannon from 'autocannon';

interface Job {
  url: string;
  token: string;
  paths: string[];
  connections: number;
  durationSec: number;
}

const job = workerData as Job;
let i = 0;
const latencies: number[] = [];
const statuses: Record<string, number> = {};

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
