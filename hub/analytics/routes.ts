/**
 * HR analytics routes (#14): the report index, each report as JSON, its CSV/XLSX export, and the
 * hr_admin-only CSV imports of later outcomes and demographic categories. Route-level access is in
 * auth/permissions.ts; which report a role may see is REPORT_INFO[name].roles (a proctor sees none).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { HrRole, Principal } from '../auth/permissions';
import type { HubDatabase } from '../db/database';
import { HubError } from '../errors';
import { reportCsv, reportXlsx } from './export';
import { applyImport, type ImportKind } from './imports';
import { isReportName, parseFilters, REPORT_INFO, REPORT_NAMES, runReport, type ReportName } from './reports';

export interface AnalyticsDeps {
  readonly db: HubDatabase;
  readonly now: () => number;
  readonly auth: (req: FastifyRequest) => { principal: Principal; actor: string };
}

const exportQuery = z.object({ format: z.enum(['csv', 'xlsx']), lang: z.enum(['zh-CN', 'en']).default('zh-CN') });

function reportFor(req: FastifyRequest, deps: AnalyticsDeps): ReportName {
  const name = (req.params as { name?: unknown }).name;
  if (typeof name !== 'string' || !isReportName(name)) throw new HubError(404, 'UNKNOWN_REPORT', 'no such report');
  const role = deps.auth(req).principal;
  if (!(REPORT_INFO[name].roles as readonly string[]).includes(role)) throw new HubError(403, 'FORBIDDEN', `${role} may not see the ${name} report`);
  return name;
}

export function registerAnalyticsRoutes(app: FastifyInstance, deps: AnalyticsDeps): void {
  app.get('/v1/analytics', async (req) => {
    const role = deps.auth(req).principal;
    return { reports: REPORT_NAMES.filter((n) => (REPORT_INFO[n].roles as readonly string[]).includes(role)).map((name) => ({ name, title: REPORT_INFO[name].title, roles: REPORT_INFO[name].roles as HrRole[] })) };
  });

  app.get('/v1/analytics/:name', async (req) => {
    const name = reportFor(req, deps);
    return runReport(deps.db.pool, name, parseFilters(req.query), deps.now);
  });

  app.get('/v1/analytics/:name/export', async (req, reply) => {
    const name = reportFor(req, deps);
    const { format, lang, ...rest } = (req.query ?? {}) as Record<string, unknown>;
    const e = exportQuery.safeParse({ format, lang });
    if (!e.success) throw new HubError(400, 'INVALID_FILTER', 'format must be csv or xlsx, lang zh-CN or en');
    const report = await runReport(deps.db.pool, name, parseFilters(rest), deps.now);
    const stamp = new Date(deps.now()).toISOString().slice(0, 10);
    if (e.data.format === 'csv') {
      return reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}-${stamp}.csv"`).send(reportCsv(report, e.data.lang));
    }
    return reply
      .header('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
      .header('content-disposition', `attachment; filename="${name}-${stamp}.xlsx"`)
      .send(await reportXlsx(report, e.data.lang));
  });

  const importRoute = (kind: ImportKind) => async (req: FastifyRequest, reply: FastifyReply) => {
    if (typeof req.body !== 'string') throw new HubError(415, 'CSV_EXPECTED', 'send the file as text/csv (UTF-8)');
    const r = await applyImport(deps.db, kind, req.body, deps.auth(req).actor);
    if (!r.ok) return reply.code(400).send({ error: { code: 'IMPORT_INVALID', message: `${r.errors.length} problem(s); nothing was imported`, rows: r.errors } });
    return reply.code(201).send({ imported: r.rows, importId: r.importId });
  };
  app.post('/v1/analytics/imports/outcomes', importRoute('outcomes'));
  app.post('/v1/analytics/imports/demographics', importRoute('demographics'));
}
