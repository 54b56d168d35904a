/**
 * The analyses module as the API calls it (docs/CONTRACTS: cypher/registry.ts, cypher/guard.ts,
 * cypher/paths.ts, analyze/index.ts), behind one seam so routes read the same either way.
 */
import * as analyze from '../analyze/index.js';
import * as guard from '../cypher/guard.js';
import * as paths from '../cypher/paths.js';
import * as registry from '../cypher/registry.js';
import * as saved from '../cypher/saved.js';

export type { QueryRegistry, SavedQuery } from '../cypher/registry.js';

export const registryModule = async () => registry;
export const guardModule = async () => guard;
export const pathsModule = async () => paths;
export const savedModule = async () => saved;
export const analyzeModule = async () => analyze;
