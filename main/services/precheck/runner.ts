/**
 * Runs checks concurrently, each under its own time limit, and reports progress as each starts
 * and ends. A check that hangs ends as `warn` when its time is up; one that throws ends as `warn`
 * with the error; neither holds up the others, and the whole run also has a hard budget.
 */
import type { CheckId, CheckResult, Overall } from '../../../preload/contract/precheck';
import { errorText } from './evaluate';
import { isBlocking, RUN_BUDGET_MS } from './policy';
import type { Check, CheckContext, CheckOutcome } from './types';

export interface RunProgress {
  readonly checkId: CheckId;
  readonly phase: 'running' | 'done';
  readonly result?: CheckResult;
  readonly done: number;
  readonly total: number;
}

export interface RunOptions {
  readonly onProgress?: (p: RunProgress) => void;
  /** The whole run's limit (ms); per-check limits come from the policy. */
  readonly budgetMs?: number;
}

type CheckEnv = Omit<CheckContext, 'signal'>;

export async function runChecks(checks: readonly Check[], env: CheckEnv, options: RunOptions = {}): Promise<CheckResult[]> {
  const total = checks.length;
  let done = 0;
  const budget = options.budgetMs ?? RUN_BUDGET_MS;
  const runStart = performance.now();
  const report = (p: RunProgress): void => {
    try {
      options.onProgress?.(p);
    } catch {
      // a failing listener must not fail the run
    }
  };
  const one = async (check: Check): Promise<CheckResult> => {
    const limit = Math.max(50, Math.min(env.policy.timeoutsMs[check.id], budget - (performance.now() - runStart)));
    const controller = new AbortController();
    const started = performance.now();
    report({ checkId: check.id, phase: 'running', done, total });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<CheckOutcome>((resolve) => {
      timer = setTimeout(() => {
        controller.abort();
        resolve({ status: 'warn', value: null, threshold: null, remediationKey: 'precheck.fix.timeout', detail: `no answer within ${Math.round(limit)} ms` });
      }, limit);
    });
    let outcome: CheckOutcome;
    try {
      outcome = await Promise.race([Promise.resolve().then(() => check.run({ ...env, signal: controller.signal })), timeout]);
    } catch (e) {
      outcome = { status: 'warn', value: null, threshold: null, remediationKey: 'precheck.fix.checkError', detail: `the check failed: ${errorText(e)}` };
    } finally {
      clearTimeout(timer);
    }
    const result: CheckResult = {
      ...outcome,
      id: check.id,
      blocking: isBlocking(check.id, env.policy, env.needs),
      durationMs: Math.round(performance.now() - started),
    };
    done += 1;
    report({ checkId: check.id, phase: 'done', result, done, total });
    return result;
  };
  return Promise.all(checks.map(one));
}

/** READY, READY_WITH_WARNINGS (something to look at) or NOT_READY (a blocking check failed). */
export function overallOf(results: readonly CheckResult[]): Overall {
  if (results.some((r) => r.status === 'fail' && r.blocking)) return 'NOT_READY';
  if (results.some((r) => r.status !== 'pass')) return 'READY_WITH_WARNINGS';
  return 'READY';
}

export function blockingFailures(results: readonly CheckResult[]): CheckId[] {
  return results.filter((r) => r.status === 'fail' && r.blocking).map((r) => r.id);
}
