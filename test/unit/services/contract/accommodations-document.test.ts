/**
 * The HR document's InviteAccommodations schema (docs/hr-endpoint.openapi.yaml, what HR writes into
 * a signed schedule) and the kiosk's own zod schema (preload/contract/accommodations.ts, what the
 * import accepts) must accept and refuse the same invites: checked with Ajv on the document, an
 * implementation independent of zod.
 */
import Ajv2020 from 'ajv/dist/2020';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { Accommodations } from '../../../../preload/contract/accommodations';
import { HR_ENDPOINT_OPENAPI_YAML } from '../../../../main/services/contract/hr-document.generated';

const doc = parse(HR_ENDPOINT_OPENAPI_YAML) as { components: { schemas: Record<string, unknown> } };
const ajv = new Ajv2020({ strict: false });
ajv.addSchema({ ...doc, $id: 'hr.json' });
const documented = ajv.compile({ $ref: 'hr.json#/components/schemas/InviteAccommodations' });

const samples: Array<[string, unknown, boolean]> = [
  ['empty (all defaults)', {}, true],
  ['1.5× with a break', { timeMultiplier: 1.5, restBreakMinutes: 5 }, true],
  ['every field', { timeMultiplier: 2, restBreakMinutes: 60, textAnswers: true, largeText: true, highContrast: true }, true],
  ['3× is the most', { timeMultiplier: 3 }, true],
  ['1.25×', { timeMultiplier: 1.25 }, true],
  ['less than 1×', { timeMultiplier: 0.9 }, false],
  ['more than 3×', { timeMultiplier: 3.01 }, false],
  ['thousandths', { timeMultiplier: 1.333 }, false],
  ['a break too long', { restBreakMinutes: 61 }, false],
  ['a fractional break', { restBreakMinutes: 1.5 }, false],
  ['a negative break', { restBreakMinutes: -1 }, false],
  ['a string flag', { largeText: 'yes' }, false],
  ['an unknown field', { extraTime: true }, false],
  ['not an object', 1.5, false],
];

describe('invite accommodations: HR document and kiosk agree', () => {
  it.each(samples)('%s', (_name, value, accepted) => {
    expect(documented(value)).toBe(accepted);
    expect(Accommodations.safeParse(value).success).toBe(accepted);
  });
});
