/**
 * The HR endpoint contract, compiled at runtime from docs/hr-endpoint.openapi.yaml (embedded as
 * `HR_ENDPOINT_OPENAPI_YAML`, checked equal to the file by test/unit/services/contract). Both the
 * kiosk's HR client and the reference server validate with these validators, so neither can drift
 * from the document: routes, methods, media types, body limits, parameter, header and body schemas
 * and the documented statuses all come from the document itself.
 *
 * Validation is JSON Schema draft 2020-12 (Ajv) with the `date-time` and `date` formats asserted,
 * which is what the document states. Nothing is coerced, trimmed or defaulted.
 */
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { HR_ENDPOINT_OPENAPI_YAML } from './hr-document.generated';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';
const METHODS: readonly HttpMethod[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

export interface HrOperation {
  readonly operationId: string;
  readonly method: HttpMethod;
  /** The document's path template, e.g. `/v1/centres/{centreId}/schedules/{day}`. */
  readonly path: string;
  /** Whether the operation needs the kiosk token. */
  readonly secured: boolean;
  /** The one media type a request body must have, when the operation takes a body. */
  readonly requestMediaType: string | undefined;
  readonly maxBodyBytes: number | undefined;
  /** Every status the document lets this operation answer, ascending. */
  readonly statuses: readonly number[];
}

export type RouteMatch =
  | { readonly kind: 'operation'; readonly operation: HrOperation; readonly params: Readonly<Record<string, string>> }
  | { readonly kind: 'method_not_allowed'; readonly allow: readonly HttpMethod[] }
  | { readonly kind: 'not_found' };

/** The first reason a value is refused, in a form fit for an error message (no value echoed). */
export type Refusal = string | undefined;

interface CompiledOperation extends HrOperation {
  readonly pattern: RegExp;
  readonly paramNames: readonly string[];
  readonly params: ValidateFunction | undefined;
  readonly headers: ValidateFunction | undefined;
  readonly body: ValidateFunction | undefined;
  readonly responses: ReadonlyMap<number, { readonly mediaType: string | undefined; readonly validate: ValidateFunction | undefined }>;
}

type Json = Record<string, unknown>;
const DOC_ID = 'urn:interview-kiosk:hr-endpoint';

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function pointer(...parts: string[]): string {
  return '#/' + parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
}

function describe(errors: readonly ErrorObject[] | null | undefined): string {
  const e = errors?.[0];
  if (!e) return 'invalid';
  return `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`.slice(0, 300);
}

/** The document's media type without parameters, lower-case (`application/json; charset=utf-8` → `application/json`). */
export function mediaTypeOf(contentType: string | undefined): string | undefined {
  if (!contentType) return undefined;
  return contentType.split(';')[0]!.trim().toLowerCase() || undefined;
}

export class HrContract {
  readonly operations: readonly HrOperation[];
  readonly version: string;
  /** `maxItems` of the no-show batch, as documented. */
  readonly noShowMaxItems: number;
  private readonly compiled: readonly CompiledOperation[];
  private readonly byId: ReadonlyMap<string, CompiledOperation>;

  constructor(documentText: string) {
    const doc = parse(documentText) as unknown;
    if (!isObject(doc) || !isObject(doc.paths) || !isObject(doc.info)) throw new Error('not an OpenAPI document');
    this.version = String(doc.info.version);
    // strict:false only lets Ajv ignore the OpenAPI keywords around the schemas (paths, info…);
    // the data checks are the full draft 2020-12 semantics.
    const ajv = new Ajv2020({ strict: false, allErrors: false, validateFormats: true });
    addFormats(ajv, ['date-time', 'date']);
    ajv.addSchema({ ...doc, $id: DOC_ID });
    const compile = (ref: string): ValidateFunction => ajv.compile({ $ref: DOC_ID + ref });
    const resolve = (node: unknown): Json => {
      // OpenAPI `$ref`s to response objects (not schemas): follow them inside the document.
      let n = node;
      for (let i = 0; i < 8 && isObject(n) && typeof n.$ref === 'string'; i++) {
        n = n.$ref
          .slice(2)
          .split('/')
          .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
          .reduce<unknown>((o, k) => (isObject(o) ? o[k] : undefined), doc);
      }
      if (!isObject(n)) throw new Error('unresolvable $ref in the HR document');
      return n;
    };
    const globallySecured = Array.isArray(doc.security) && doc.security.length > 0;
    const compiled: CompiledOperation[] = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      if (!isObject(item)) continue;
      for (const method of METHODS) {
        const op = item[method.toLowerCase()];
        if (!isObject(op)) continue;
        const id = String(op.operationId);
        const base = ['paths', path, method.toLowerCase()];
        const parameters = (Array.isArray(op.parameters) ? op.parameters : []).map(resolve);
        const paramNames = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
        const schemaFor = (where: 'path' | 'header'): ValidateFunction | undefined => {
          const list = parameters.map((p, i) => ({ p, i })).filter(({ p }) => p.in === where);
          if (list.length === 0) return undefined;
          const properties: Json = {};
          const required: string[] = [];
          for (const { p, i } of list) {
            const name = where === 'header' ? String(p.name).toLowerCase() : String(p.name);
            properties[name] = { $ref: DOC_ID + pointer(...base, 'parameters', String(i), 'schema') };
            if (p.required === true) required.push(name);
          }
          return ajv.compile({ type: 'object', properties, required });
        };
        const requestContent = isObject(op.requestBody) && isObject(op.requestBody.content) ? op.requestBody.content : undefined;
        const requestMediaType = requestContent ? Object.keys(requestContent)[0] : undefined;
        const responses = new Map<number, { mediaType: string | undefined; validate: ValidateFunction | undefined }>();
        for (const [status, raw] of Object.entries(isObject(op.responses) ? op.responses : {})) {
          const r = resolve(raw);
          const content = isObject(r.content) ? r.content : undefined;
          const mediaType = content ? Object.keys(content)[0] : undefined;
          const media = mediaType && content ? content[mediaType] : undefined;
          const where = typeof (raw as Json).$ref === 'string' ? ((raw as Json).$ref as string).slice(2).split('/') : [...base, 'responses', status];
          const validate = mediaType && isObject(media) && media.schema !== undefined ? compile(pointer(...where, 'content', mediaType, 'schema')) : undefined;
          responses.set(Number(status), { mediaType, validate });
        }
        const secured = op.security === undefined ? globallySecured : Array.isArray(op.security) && op.security.length > 0;
        compiled.push({
          operationId: id,
          method,
          path,
          secured,
          requestMediaType,
          maxBodyBytes: typeof op['x-max-body-bytes'] === 'number' ? op['x-max-body-bytes'] : undefined,
          statuses: [...responses.keys()].sort((a, b) => a - b),
          pattern: new RegExp('^' + path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '([^/]+)') + '$'),
          paramNames,
          params: schemaFor('path'),
          headers: schemaFor('header'),
          body: requestMediaType === 'application/json' ? compile(pointer(...base, 'requestBody', 'content', requestMediaType, 'schema')) : undefined,
          responses,
        });
      }
    }
    this.compiled = compiled;
    this.operations = compiled.map(({ operationId, method, path, secured, requestMediaType, maxBodyBytes, statuses }) => ({ operationId, method, path, secured, requestMediaType, maxBodyBytes, statuses }));
    this.byId = new Map(compiled.map((c) => [c.operationId, c]));
    const events = resolve({ $ref: pointer('paths', '/v1/no-shows', 'post', 'requestBody', 'content', 'application/json', 'schema', 'properties', 'events') });
    if (typeof events.maxItems !== 'number') throw new Error('the HR document has no maxItems for no-shows');
    this.noShowMaxItems = events.maxItems;
  }

  operation(operationId: string): HrOperation {
    return this.get(operationId);
  }

  private get(operationId: string): CompiledOperation {
    const op = this.byId.get(operationId);
    if (!op) throw new Error(`the HR document has no operation ${operationId}`);
    return op;
  }

  /** Which operation a request is, or the documented path-level answer (405 with Allow, 404). */
  match(method: string, pathname: string): RouteMatch {
    const allow: HttpMethod[] = [];
    for (const op of this.compiled) {
      const m = op.pattern.exec(pathname);
      if (!m) continue;
      if (op.method === method.toUpperCase()) {
        const params: Record<string, string> = {};
        let decoded = true;
        op.paramNames.forEach((name, i) => {
          try {
            params[name] = decodeURIComponent(m[i + 1]!);
          } catch {
            decoded = false;
          }
        });
        if (!decoded) return { kind: 'not_found' };
        return { kind: 'operation', operation: op, params };
      }
      allow.push(op.method);
    }
    return allow.length ? { kind: 'method_not_allowed', allow } : { kind: 'not_found' };
  }

  checkParams(operationId: string, params: Readonly<Record<string, string>>): Refusal {
    const v = this.get(operationId).params;
    return v && !v(params) ? describe(v.errors) : undefined;
  }

  /** `headers` with lower-case names, as Node gives them. */
  checkHeaders(operationId: string, headers: Readonly<Record<string, string | string[] | undefined>>): Refusal {
    const v = this.get(operationId).headers;
    return v && !v(headers) ? describe(v.errors) : undefined;
  }

  checkRequestBody(operationId: string, body: unknown): Refusal {
    const v = this.get(operationId).body;
    if (!v) return undefined;
    return v(body) ? undefined : describe(v.errors);
  }

  /** Whether `status` is documented for the operation, with that media type and a body its schema accepts. */
  checkResponse(operationId: string, status: number, contentType: string | undefined, body: unknown): Refusal {
    const r = this.get(operationId).responses.get(status);
    if (!r) return `status ${status} is not documented for ${operationId}`;
    if (r.mediaType && mediaTypeOf(contentType) !== r.mediaType) return `status ${status} of ${operationId} must be ${r.mediaType}, not ${mediaTypeOf(contentType) ?? 'nothing'}`;
    if (r.validate && !r.validate(body)) return describe(r.validate.errors);
    return undefined;
  }
}

let shared: HrContract | undefined;

/** The contract of the embedded document, compiled once per process. */
export function hrContract(): HrContract {
  shared ??= new HrContract(HR_ENDPOINT_OPENAPI_YAML);
  return shared;
}
