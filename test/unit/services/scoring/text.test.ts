/**
 * The scorer's text analysis, pinned with hand-written expectations (written from the mutation
 * sample's survivors in test/mutation/samples/2026-12-07-seed-20261207.txt: each case below fails
 * on one of those breaks of main/services/scoring/text.ts).
 */
import { describe, expect, it } from 'vitest';
import { analyse, conceptOf, lemmaEn, matchPhrase, normaliseKeepingOffsets, preparePhrase } from '../../../../main/services/scoring/text';

describe('lemmaEn', () => {
  it('drops a possessive, so "team\'s" and "team" are one word', () => {
    expect(lemmaEn("team's")).toBe('team');
    expect(lemmaEn('team’s')).toBe('team');
  });
  it('turns -ies and -ied into -y', () => {
    expect(lemmaEn('studies')).toBe('study');
    expect(lemmaEn('companies')).toBe('company');
    expect(lemmaEn('applied')).toBe('apply');
  });
  it('maps the forms of "use" together', () => {
    for (const w of ['use', 'used', 'uses', 'using']) expect(lemmaEn(w)).toBe('use');
  });
});

describe('synonym concepts', () => {
  it('puts the members of one synonym group under one concept id, and others under their own lemma', () => {
    const monitor = conceptOf('en', lemmaEn('monitor'));
    expect(monitor).toMatch(/^syn:en:\d+$/);
    expect(conceptOf('en', lemmaEn('alert'))).toBe(monitor);
    expect(conceptOf('en', lemmaEn('dashboard'))).toBe(monitor);
    expect(conceptOf('en', 'banana')).toBe('banana');
    expect(conceptOf('zh-CN', '压测')).toBe(conceptOf('zh-CN', '负载测试'));
    expect(conceptOf('zh-CN', '压测')).toMatch(/^syn:zh-CN:\d+$/);
  });
});

describe('normaliseKeepingOffsets', () => {
  it('folds full-width letters and case, one character for one', () => {
    expect(normaliseKeepingOffsets('ＡＰＩ Gateway')).toBe('api gateway');
    expect(normaliseKeepingOffsets('ＡＰＩ Gateway')).toHaveLength('ＡＰＩ Gateway'.length);
  });
});

describe('analyse', () => {
  it('keeps content words as concepts and leaves stop words out', () => {
    const a = analyse('We monitored the payment system', 'en', undefined);
    expect(a.concepts.has(conceptOf('en', 'monitor'))).toBe(true);
    expect(a.concepts.has(lemmaEn('payment'))).toBe(true);
    expect(a.concepts.has('the')).toBe(false);
    expect(a.tokens.find((t) => t.lemma === 'the')?.content).toBe(false);
  });
});

describe('matchPhrase', () => {
  it('marks a match preceded by a negation in English', () => {
    const a = analyse('Honestly I did not run any benchmark before the launch', 'en', undefined);
    const m = matchPhrase(a, preparePhrase('benchmark', 'en', undefined));
    expect(m).toHaveLength(1);
    expect(m[0]).toMatchObject({ negated: true });
    const b = analyse('Before the launch I ran a benchmark', 'en', undefined);
    expect(matchPhrase(b, preparePhrase('benchmark', 'en', undefined))[0]).toMatchObject({ negated: false });
  });
  it('matches a two-word phrase whose words stand apart within the window, and a one-word phrase only as itself', () => {
    const a = analyse('We found the cause of the outage, and the root of it was a config change', 'en', undefined);
    // "root cause" as a sequence does not occur; its two content words occur near each other.
    const two = matchPhrase(a, preparePhrase('root cause', 'en', undefined));
    expect(two.length).toBeGreaterThan(0);
    expect(a.text.slice(two[0]!.start, two[0]!.end)).toMatch(/cause.*root/);
    const one = matchPhrase(a, preparePhrase('outage', 'en', undefined));
    expect(one.map((m) => a.text.slice(m.start, m.end))).toEqual(['outage']);
  });
});
