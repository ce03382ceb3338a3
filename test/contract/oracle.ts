/**
 * The contract tests' own reading of docs/hr-endpoint.openapi.yaml: a separate Ajv (draft 2020-12)
 * instance compiled from the file on disk, sharing no code with main/services/contract (the
 * product's validators). Used to check every response the contract test and the conformance kit
 * see: status documented for the operation, media type, body schema, and the path-level answers
 * (404 on unknown paths, 405 with Allow).
 */
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

export const HR_DOCUMENT = path.resolve(import.meta.dirname, '..', '..', 'docs', 'hr-endpoint.openapi.yaml');

type Node = { [k: string]: unknown };
const obj = (v: unknown): Node => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Node) : {});

interface ResponseRule {
  readonly mediaType: string | null;
  readonly validate: ValidateFunction | null;
  readonly headers: readonly string[];
}

export interface OracleOperation {
  readonly id: string;
  readonly method: string;
  readonly template: string;
  readonly regex: RegExp;
  readonly statuses: ReadonlyMap<number, ResponseRule>;
}

export class DocumentOracle {
  readonly ops: readonly OracleOperation[];
  readonly pathLevel: ReadonlyMap<number, ResponseRule>;
  readonly document: Node;

  constructor(file = HR_DOCUMENT) {
    this.document = obj(parse(readFileSync(file, 'utf8')));
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema(this.document, 'oracle-doc');
    const esc = (s: string): string => s.replace(/~/g, '~0').replace(/\//g, '~1');
    const follow = (ref: string): Node => ref.replace(/^#\//, '').split('/').reduce<Node>((n, k) => obj(n[k.replace(/~1/g, '/').replace(/~0/g, '~')]), this.document);
    const rule = (raw: unknown, where: string): ResponseRule => {
      const ref = obj(raw).$ref;
      const at = typeof ref === 'string' ? ref : where;
      const r = typeof ref === 'string' ? follow(ref) : obj(raw);
      const content = obj(r.content);
      const mediaType = Object.keys(content)[0] ?? null;
      const hasSchema = mediaType !== null && obj(content[mediaType]).schema !== undefined;
      return {
        mediaType,
        validate: hasSchema ? ajv.compile({ $ref: `oracle-doc${at}/content/${esc(mediaType!)}/schema` }) : null,
        headers: Object.entries(obj(r.headers)).filter(([, h]) => obj(h).required === true).map(([n]) => n.toLowerCase()),
      };
    };
    const ops: OracleOperation[] = [];
    for (const [template, item] of Object.entries(obj(this.document.paths))) {
      for (const [method, op] of Object.entries(obj(item))) {
        if (!['get', 'head', 'post', 'put', 'patch', 'delete', 'options'].includes(method)) continue;
        const statuses = new Map<number, ResponseRule>();
        for (const [status, raw] of Object.entries(obj(obj(op).responses))) statuses.set(Number(status), rule(raw, `#/paths/${esc(template)}/${method}/responses/${status}`));
        ops.push({ id: String(obj(op).operationId), method: method.toUpperCase(), template, regex: new RegExp('^' + template.replace(/\{[^}]+\}/g, '[^/]+') + '$'), statuses });
      }
    }
    this.ops = ops;
    this.pathLevel = new Map([
      [404, rule({ $ref: '#/components/responses/NotFound' }, '')],
      [405, rule({ $ref: '#/components/responses/MethodNotAllowed' }, '')],
    ]);
  }

  op(id: string): OracleOperation {
    const o = this.ops.find((x) => x.id === id);
    if (!o) throw new Error(`no operation ${id} in the document`);
    return o;
  }

  /** The operation a request addresses, if the document has it. */
  find(method: string, pathname: string): OracleOperation | undefined {
    return this.ops.find((o) => o.method === method.toUpperCase() && o.regex.test(pathname));
  }

  /** Methods documented for a path (for 405 / Allow). */
  methodsOf(pathname: string): string[] {
    return this.ops.filter((o) => o.regex.test(pathname)).map((o) => o.method);
  }

  /** Problems with an answer to a documented operation (empty when it conforms). */
  checkAnswer(op: OracleOperation, status: number, headers: Readonly<Record<string, string | string[] | undefined>>, body: Buffer, headRequest = false): string[] {
    const r = op.statuses.get(status);
    if (!r) return [`${op.id}: status ${status} is not documented (documented: ${[...op.statuses.keys()].join(', ')})`];
    return this.checkRule(`${op.id} ${status}`, r, headers, body, headRequest);
  }

  checkPathLevel(status: 404 | 405, headers: Readonly<Record<string, string | string[] | undefined>>, body: Buffer): string[] {
    return this.checkRule(`path-level ${status}`, this.pathLevel.get(status)!, headers, body, false);
  }

  private checkRule(what: string, r: ResponseRule, headers: Readonly<Record<string, string | string[] | undefined>>, body: Buffer, headRequest: boolean): string[] {
    const problems: string[] = [];
    for (const h of r.headers) if (headers[h] === undefined) problems.push(`${what}: header ${h} is required`);
    if (headRequest) return problems;
    const ct = String(headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (r.mediaType === null) {
      if (body.length > 0) problems.push(`${what}: no body is documented, got ${body.length} bytes`);
      return problems;
    }
    if (ct !== r.mediaType) return [...problems, `${what}: content-type must be ${r.mediaType}, got ${ct || 'none'}`];
    if (!r.validate) return problems;
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      return [...problems, `${what}: body is not JSON`];
    }
    if (!r.validate(json)) problems.push(`${what}: ${(r.validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ')}`);
    return problems;
  }
}
