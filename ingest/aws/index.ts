/**
 * The AWS provider module: input formats it imports and its derive pass. Registered with the
 * pipeline by cli/providers.ts; nothing downstream branches on the provider.
 */
import type { ProviderModule } from '../pipeline.js';
import { collectAwsLive } from './collect/live.js';
import { deriveAwsGraph } from './derive/index.js';
import { authDetailsFormat, collectionFormat } from './import/index.js';

export const awsProvider: ProviderModule = {
  provider: 'aws',
  formats: [collectionFormat, authDetailsFormat],
  derive: (graph, opts) => deriveAwsGraph(graph, opts),
  collect: (opts) => collectAwsLive(opts),
};
