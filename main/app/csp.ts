/**
 * The Content-Security-Policy both shells send with every page. Nothing loads from the network:
 * scripts and styles only from our own origin, wasm allowed to compile (ffmpeg, tfjs), media from
 * blob: and mediastream: for the camera preview, and no frames, plugins or form posts. Never
 * 'unsafe-inline' or 'unsafe-eval' (test/unit/app/csp.test.ts holds every variant to that).
 *
 * `trustedTypes` (HTML documents) adds Trusted Types: DOM XSS sinks (innerHTML, script src,
 * Worker URLs) accept only values from the renderer's one `default` policy
 * (renderer/trusted-types.ts), which admits our own and blob: script URLs and nothing else. Worker
 * scripts get the policy without it: a worker has no DOM and its importScripts of the ffmpeg core
 * is already limited by script-src.
 */
export interface CspOptions {
  readonly connectSrc?: readonly string[];
  readonly trustedTypes?: boolean;
}

export function contentSecurityPolicy(options: CspOptions = {}): string {
  const connect = ["'self'", ...(options.connectSrc ?? [])].join(' ');
  const directives = [
    "default-src 'none'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob: mediastream:",
    "font-src 'self'",
    `connect-src ${connect}`,
    "worker-src 'self' blob:",
    "manifest-src 'none'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ];
  if (options.trustedTypes) directives.push("require-trusted-types-for 'script'", 'trusted-types default');
  return directives.join('; ');
}

/** HTML documents get Trusted Types; scripts, workers and assets do not need them. */
export function isHtmlPath(pathname: string): boolean {
  return /\.html?$/i.test(pathname) || pathname === '/' || pathname === '';
}
