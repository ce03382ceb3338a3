/** Turns check results into the candidate's words: titles, values, thresholds and fixes. */
import type { CheckId, CheckResult, Scalar, Threshold } from '../../preload/contract/precheck';
import { en, type MessageKey } from '../i18n/en';
import type { Translate } from '../i18n';

function known(key: string, fallback: MessageKey): MessageKey {
  return key in en ? (key as MessageKey) : fallback;
}

export function checkTitle(id: CheckId, t: Translate): string {
  return t(known(`precheck.check.${id}`, 'precheck.notMeasured'));
}

const WORD_UNITS = new Set(['cores', 'devices', 'displays', 'programs', 'luma']);

function withUnit(v: Scalar, unit: string | undefined, t: Translate): string {
  if (v === null) return t('precheck.notMeasured');
  if (typeof v === 'boolean') return t(v ? 'precheck.value.yes' : 'precheck.value.no');
  if (v === 'mains') return t('precheck.value.mains');
  if (!unit) return String(v);
  const u = WORD_UNITS.has(unit) ? t(known(`precheck.unit.${unit}`, 'precheck.notMeasured')) : unit;
  return `${String(v)} ${u}`;
}

export function valueText(c: CheckResult, t: Translate): string {
  return withUnit(c.value, c.unit, t);
}

export function thresholdText(th: Threshold | null, t: Translate): string | null {
  if (!th) return null;
  const fmt = (v: Scalar | undefined): string => (v === undefined ? '' : withUnit(v, th.unit, t));
  switch (th.op) {
    case '>=':
      return th.warn !== undefined && th.warn !== th.fail ? t('precheck.threshold.minWarn', { fail: fmt(th.fail), warn: fmt(th.warn) }) : t('precheck.threshold.min', { fail: fmt(th.fail) });
    case '<=':
      return th.warn !== undefined && th.warn !== th.fail ? t('precheck.threshold.maxWarn', { fail: fmt(th.fail), warn: fmt(th.warn) }) : t('precheck.threshold.max', { fail: fmt(th.fail) });
    case '=':
      return t('precheck.threshold.equals', { expect: fmt(th.expect) });
    case 'none':
      return th.expect === 'allow' || th.expect === 'flag' || th.expect === 'forbid' ? t(`precheck.threshold.${th.expect}`) : null;
  }
}

export function fixText(c: CheckResult, t: Translate): string | null {
  if (!c.remediationKey) return null;
  const list = typeof c.data?.found === 'string' ? c.data.found : '';
  return t(known(c.remediationKey, 'precheck.fix.unmeasured'), { list });
}

export function statusText(c: CheckResult, t: Translate): string {
  return t(`precheck.status.${c.status}`);
}
