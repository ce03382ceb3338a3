import type { Db } from './connection';

/**
 * Transactions for the services, with after-commit hooks.
 *
 * better-sqlite3's `db.transaction(fn)` builds a new wrapper on every call (about 35 µs here, a
 * tenth of a chunk commit), so each connection gets one wrapper that runs whatever it is handed.
 * Nesting works as in better-sqlite3: an inner call becomes a savepoint.
 *
 * `afterCommit` lets an in-memory cache learn a value only once the rows behind it are durable: a
 * hook queued inside a transaction runs after the outermost commit, and is dropped when the
 * transaction (or the savepoint it was queued in) rolls back. Outside a transaction it runs at once.
 */
interface TxState {
  readonly run: (f: () => unknown) => unknown;
  readonly pending: Array<() => void>;
  /** How many `transact` calls are on the stack: a transaction opened elsewhere has depth 0. */
  depth: number;
}

const states = new WeakMap<Db, TxState>();

function stateOf(db: Db): TxState {
  let s = states.get(db);
  if (!s) {
    s = { run: db.transaction((f: () => unknown) => f()), pending: [], depth: 0 };
    states.set(db, s);
  }
  return s;
}

export function transact<T>(db: Db, fn: () => T): T {
  const s = stateOf(db);
  const outermost = !db.inTransaction;
  // Called inside a transaction someone else opened: whether it commits is not known here.
  const insideForeign = !outermost && s.depth === 0;
  const mark = s.pending.length;
  let value: T;
  s.depth += 1;
  try {
    value = s.run(fn) as T;
  } catch (e) {
    s.pending.length = mark;
    throw e;
  } finally {
    s.depth -= 1;
  }
  if (outermost) {
    const hooks = s.pending.splice(0);
    for (const hook of hooks) hook();
  } else if (insideForeign) {
    s.pending.length = mark;
  }
  return value;
}

/**
 * Runs `hook` once the current transaction commits, or now when there is none. Inside a
 * transaction that `transact` did not open its outcome is unknown here, so the hook is dropped:
 * callers use it only to fill caches, and an empty cache is always safe.
 */
export function afterCommit(db: Db, hook: () => void): void {
  if (!db.inTransaction) {
    hook();
    return;
  }
  const s = stateOf(db);
  if (s.depth > 0) s.pending.push(hook);
}
