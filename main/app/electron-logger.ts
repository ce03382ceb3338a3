import log from 'electron-log/main';
import type { Logger } from '../common/logger';

/** The app's logger: electron-log with a scope per module. Ids and codes only, never answers. */
export function createElectronLogger(scopeName = 'kiosk'): Logger {
  const scoped = log.scope(scopeName);
  return {
    debug: (m, d) => scoped.debug(m, d ?? ''),
    info: (m, d) => scoped.info(m, d ?? ''),
    warn: (m, d) => scoped.warn(m, d ?? ''),
    error: (m, d) => scoped.error(m, d ?? ''),
    scope: (name) => createElectronLogger(`${scopeName}:${name}`),
  };
}

export function initElectronLog(): void {
  log.initialize();
  log.transports.file.level = 'info';
  log.transports.console.level = 'warn';
}
