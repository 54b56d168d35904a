/** Scheduled scans (`permgraph serve --schedule FILE`): their cron, next run and last run. Admin only. */
import { Type } from '@sinclair/typebox';
import type { App, AppContext } from '../app.js';
import { Nullable, responses, StringEnum } from '../schemas/common.js';

const ScheduleRun = Type.Object(
  {
    job: Nullable(Type.String({ description: 'Job id: GET /scans/{job}/events streams its progress' })),
    status: StringEnum(['waiting', 'running', 'done', 'failed'] as const, {
      description: 'waiting: another import or scan job runs first',
    }),
    startedAt: Type.String(),
    finishedAt: Nullable(Type.String()),
    scan: Nullable(Type.String({ description: 'Analysis scan id: GET /scans/{scan}' })),
    newFindings: Type.Integer(),
    resolvedFindings: Type.Integer(),
    alerted: Type.Integer({ description: "New findings at or above the schedule's minSeverity" }),
    webhook: Nullable(
      Type.Object({
        delivered: Type.Boolean(),
        attempts: Type.Integer(),
        status: Type.Optional(Type.Integer()),
        error: Type.Optional(Type.String()),
      }),
    ),
    error: Nullable(Type.String()),
  },
  { $id: 'ScheduleRun' },
);

const Schedule = Type.Object(
  {
    name: Type.String(),
    cron: Type.String({ description: 'Cron expression (5 fields, or 6 with seconds first)' }),
    timezone: Nullable(Type.String()),
    source: Type.String({
      description: 'What a run reads: live collection, input files, or the graph as it is',
    }),
    nextRun: Nullable(Type.String({ description: 'ISO time of the next run' })),
    running: Type.Boolean(),
    runs: Type.Integer({ description: 'Runs since the server started' }),
    lastRun: Nullable(Type.Ref(ScheduleRun)),
  },
  { $id: 'Schedule' },
);

export async function scheduleRoutes(app: App, ctx: AppContext): Promise<void> {
  app.addSchema(ScheduleRun);
  app.addSchema(Schedule);
  app.get(
    '/schedules',
    {
      config: { auth: 'admin' },
      schema: {
        tags: ['admin'],
        summary: 'Scheduled scans: cron, next run, last run status',
        description:
          'The schedules of the file given to `permgraph serve --schedule` (or PERMGRAPH_SCHEDULE); empty when the server runs none. Webhook URLs are never shown.',
        response: responses({
          200: Type.Object({ items: Type.Array(Type.Ref(Schedule)), total: Type.Integer() }),
        }),
      },
    },
    async () => {
      const items = ctx.scheduler?.status() ?? [];
      return { items, total: items.length };
    },
  );
}
