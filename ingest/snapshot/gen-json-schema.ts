/** Writes schema/snapshot-<version>.schema.json (npm run gen:schema). */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { snapshotJsonSchemaText } from './json-schema.js';
import { SNAPSHOT_SCHEMA_VERSION } from './types.js';

export const SCHEMA_FILE = `schema/snapshot-${SNAPSHOT_SCHEMA_VERSION}.schema.json`;

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
  mkdirSync(path.join(root, 'schema'), { recursive: true });
  writeFileSync(path.join(root, SCHEMA_FILE), snapshotJsonSchemaText());
  process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
}
