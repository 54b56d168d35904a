/** Registers every provider module with the pipeline. */
import { awsProvider } from '../ingest/aws/index.js';
import { registerProvider } from '../ingest/pipeline.js';

registerProvider(awsProvider);
