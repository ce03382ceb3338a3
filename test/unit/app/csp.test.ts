import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy, isHtmlPath } from '../../../main/app/csp';

describe('content security policy', () => {
  const variants = [contentSecurityPolicy(), contentSecurityPolicy({ trustedTypes: true }), contentSecurityPolicy({ connectSrc: ['ws://127.0.0.1:1234'], trustedTypes: true })];

  it('never allows inline script or eval in any variant', () => {
    for (const csp of variants) {
      expect(csp).not.toContain("'unsafe-inline'");
      expect(csp).not.toContain("'unsafe-eval'");
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("object-src 'none'");
      expect(csp).toContain("frame-ancestors 'none'");
    }
  });

  it('requires Trusted Types for HTML documents, with the one default policy', () => {
    expect(contentSecurityPolicy({ trustedTypes: true })).toContain("require-trusted-types-for 'script'; trusted-types default");
    expect(contentSecurityPolicy()).not.toContain('trusted-types');
    expect(isHtmlPath('/index.html')).toBe(true);
    expect(isHtmlPath('/opt/app/renderer/index.html')).toBe(true);
    expect(isHtmlPath('/assets/worker.js')).toBe(false);
  });
});
