/**
 * One logger interface for every layer. The Electron shell backs it with electron-log, Node
 * hosts and tests with a plain transport. Candidate personal data and media never go into logs:
 * callers pass ids and codes, not answers or names.
 */
export interface Logger {
  debug(message: string, data?: Record<string, unknown>): void;
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
  error(message: string, data?: Record<string, unknown>): void;
  scope(name: string): Logger;
}

type Level = 'debug' | 'info' | 'warn' | 'error';
const order: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function createConsoleLogger(scopeName = 'kiosk', minLevel: Level = 'info', sink: (line: string) => void = (l) => process.stderr.write(l + '\n')): Logger {
  const write = (level: Level, message: string, data?: Record<string, unknown>): void => {
    if (order[level] < order[minLevel]) return;
    const suffix = data ? ' ' + JSON.stringify(data) : '';
    sink(`${new Date().toISOString()} [${level}] (${scopeName}) ${message}${suffix}`);
  };
  return {
    debug: (m, d) => write('debug', m, d),
    info: (m, d) => write('info', m, d),
    warn: (m, d) => write('warn', m, d),
    error: (m, d) => write('error', m, d),
    scope: (name) => createConsoleLogger(`${scopeName}:${name}`, minLevel, sink),
  };
}

/** A logger that keeps lines in memory, for tests that assert on what was (not) logged. */
export function createMemoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const base = createConsoleLogger('test', 'debug', (l) => lines.push(l));
  return Object.assign(base, { lines });
}

export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  scope: () => silentLogger,
};
