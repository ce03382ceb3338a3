/**
 * For tools run beside a kiosk that uses the file-key fallback (development web shell, tests):
 * registers a keyring on a connection so sealed answers read back as text. A kiosk whose keys are
 * in the OS keystore (Electron `safeStorage`) cannot be read this way — by design, a copy of its
 * data folder opens nothing; its own process reads them.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { systemClock } from '../../../common/clock';
import { silentLogger } from '../../../common/logger';
import type { Db } from '../../../db/connection';
import { setTextSealer } from '../../../db/text-sealing';
import { FileKeyProtector } from '../../packs/key-protector';
import { SessionKeyring } from './session-keyring';

/** True when the data folder has a file key and the connection can now open sealed texts. */
export function useFileKeys(db: Db, dataDir: string): boolean {
  if (!existsSync(path.join(dataDir, 'keys', 'local-wrap.key'))) return false;
  setTextSealer(db, new SessionKeyring({ db, protector: new FileKeyProtector(dataDir), clock: systemClock, logger: silentLogger }));
  return true;
}
