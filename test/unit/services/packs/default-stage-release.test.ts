import { describe, expect, it } from 'vitest';
import { defaultStageRelease } from '../../../../main/services/packs/stage-content';

describe('defaultStageRelease (what `pack sign` writes when the author does not say)', () => {
  const stages = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `s${i}` }));
  it('seals two or more stages one by one: hr with an HR endpoint, offline without', () => {
    expect(defaultStageRelease({ stages: stages(2) }, undefined)).toEqual({ ok: true, release: 'offline' });
    expect(defaultStageRelease({ stages: stages(3), hrEndpoint: { url: 'https://hr.example.com' } }, undefined)).toEqual({ ok: true, release: 'hr' });
    expect(defaultStageRelease({ stages: stages(3), hrEndpoint: null }, undefined)).toEqual({ ok: true, release: 'offline' });
  });
  it('keeps v1 for one stage, for `none`, and for a source that is not a pack (lint refuses it next)', () => {
    expect(defaultStageRelease({ stages: stages(1) }, undefined)).toEqual({ ok: true, release: undefined });
    expect(defaultStageRelease({ stages: stages(4) }, 'none')).toEqual({ ok: true, release: undefined });
    for (const odd of [null, 42, 'pack', [], { stages: 'many' }]) expect(defaultStageRelease(odd, undefined)).toEqual({ ok: true, release: undefined });
  });
  it('takes an explicit hr or offline as given and refuses anything else', () => {
    expect(defaultStageRelease({ stages: stages(1) }, 'offline')).toEqual({ ok: true, release: 'offline' });
    expect(defaultStageRelease({ stages: stages(2) }, 'hr')).toEqual({ ok: true, release: 'hr' });
    for (const bad of ['', 'HR', 'later', 'v1']) expect(defaultStageRelease({ stages: stages(2) }, bad)).toEqual({ ok: false });
  });
});
