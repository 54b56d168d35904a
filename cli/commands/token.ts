import type { Command } from 'commander';
import { createToken, isRole, listTokens, revokeToken } from '../../server/tokens.js';
import { usageError, withGraph } from '../context.js';
import { printJson, table } from '../ui.js';

type Run = (fn: () => Promise<number | void>, json?: boolean) => Promise<void>;

export function registerToken(program: Command, run: Run): void {
  const token = program.command('token').description('API tokens: create (shown once), list, revoke');
  token
    .command('create')
    .description('Create an API token; only its hash is stored, so save it now')
    .requiredOption('--role <role>', 'admin, analyst or reader')
    .option('--name <name>', 'label shown in token lists', '')
    .option('--json', 'print {"token", "id", "role", "name"}')
    .action((o: { role: string; name: string; json?: boolean }) =>
      run(async () => {
        if (!isRole(o.role)) throw usageError(`--role ${o.role}: expected admin, analyst or reader`);
        if (o.name.length > 200) throw usageError('--name: at most 200 characters');
        const role = o.role;
        const t = await withGraph({}, (graph) => createToken(graph, role, o.name));
        if (o.json) printJson({ token: t.token, id: t.id, role: t.role, name: t.name });
        else {
          process.stdout.write(`${t.token}\n`);
          process.stderr.write(`token ${t.id} (${t.role}) created; it is shown only this once\n`);
        }
      }, o.json),
    );
  token
    .command('list')
    .description('List API tokens (ids, roles, names; never the secrets)')
    .option('--json', 'machine-readable output')
    .action((o: { json?: boolean }) =>
      run(async () => {
        const items = await withGraph({}, (graph) => listTokens(graph));
        if (o.json) printJson({ items });
        else
          process.stdout.write(
            table(items as unknown as Record<string, unknown>[], [
              'id',
              'role',
              'name',
              'createdAt',
              'lastUsedAt',
              'revoked',
            ]),
          );
      }, o.json),
    );
  token
    .command('revoke')
    .description('Revoke an API token by id')
    .argument('<id>', 'token id (from token list)')
    .option('--json', 'machine-readable output')
    .action((id: string, o: { json?: boolean }) =>
      run(async () => {
        await withGraph({}, (graph) => revokeToken(graph, id));
        if (o.json) printJson({ id, revoked: true });
        else process.stdout.write(`token ${id} revoked\n`);
      }, o.json),
    );
}
