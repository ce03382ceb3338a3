/**
 * Thin Electron glue for the résumé parser's process (#12): the RunAsNode fuse is off in packaged
 * builds, so a child of the Electron binary cannot run as Node; `utilityProcess.fork` can. The
 * decision is chooseParserProcess (pure, unit-tested); the process logic (heap cap, one document
 * at a time, hard kill on timeout) is ForkedResumeParser, tested under Node with child_process.
 */
import { utilityProcess } from 'electron';
import path from 'node:path';
import { ForkedResumeParser, type ForkParserChild } from '../services/packs/forked-resume-parser';
import { ChildResumeParser, chooseParserProcess, configureResumeParser, UnavailableResumeParser, type ParserProcessKind } from '../services/packs/resume-parser';

const forkUtility: ForkParserChild = (modulePath, o) => {
  const c = utilityProcess.fork(modulePath, [], { execArgv: [...o.execArgv], env: o.env, serviceName: o.serviceName, stdio: 'ignore' });
  return {
    get pid() {
      return c.pid;
    },
    postMessage: (m) => c.postMessage(m),
    onMessage: (l) => {
      c.on('message', l);
    },
    onExit: (l) => {
      c.on('exit', (code) => l(code));
    },
    kill: () => {
      c.kill();
    },
  };
};

/** Decides and installs how the kiosk parses résumés; returns the decision for the log. */
export function configureParserProcess(dataDir: string, runAsNodeFuse: boolean): ParserProcessKind {
  const kind = chooseParserProcess({ electron: true, utilityProcess: typeof utilityProcess?.fork === 'function', runAsNodeFuse });
  switch (kind) {
    case 'utility-process':
      configureResumeParser(() => new ForkedResumeParser({ fork: forkUtility, dir: path.join(dataDir, 'parser') }));
      break;
    case 'child-process':
    case 'child-process-run-as-node':
      configureResumeParser(() => new ChildResumeParser({ runAsNode: kind === 'child-process-run-as-node' }));
      break;
    case 'unavailable':
      configureResumeParser(() => new UnavailableResumeParser('the résumé parser cannot be started in this build'));
      break;
  }
  return kind;
}
