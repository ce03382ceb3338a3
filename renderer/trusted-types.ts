/**
 * The renderer's one Trusted Types policy, named `default` so every DOM sink goes through it when
 * the page's CSP requires Trusted Types (main/app/csp.ts). It admits script URLs of our own origin
 * and blob: URLs (ffmpeg's worker) and refuses HTML and script text: the renderer builds its DOM
 * with React and never needs a string turned into markup or code.
 */
interface TrustedTypePolicyFactoryLike {
  createPolicy(name: string, rules: { createHTML?: (s: string) => string; createScript?: (s: string) => string; createScriptURL?: (s: string) => string }): unknown;
}

export function allowedScriptUrl(url: string, origin: string): boolean {
  try {
    const u = new URL(url, origin + '/');
    // protocol//host rather than .origin: a custom standard scheme (app://kiosk) has an opaque
    // origin in some URL implementations.
    return u.protocol === 'blob:' ? u.href.startsWith(`blob:${origin}/`) : `${u.protocol}//${u.host}` === origin;
  } catch {
    return false;
  }
}

const factory = (globalThis as { trustedTypes?: TrustedTypePolicyFactoryLike }).trustedTypes;
if (factory) {
  try {
    factory.createPolicy('default', {
      createScriptURL(url) {
        if (allowedScriptUrl(url, location.origin)) return url;
        throw new TypeError('script URL refused by the kiosk policy');
      },
      createHTML() {
        throw new TypeError('HTML from strings is refused by the kiosk policy');
      },
      createScript() {
        throw new TypeError('script from strings is refused by the kiosk policy');
      },
    });
  } catch {
    // already defined (hot reload in development)
  }
}
