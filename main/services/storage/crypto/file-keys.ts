/**
 * For tools run beside a kiosk that uses the file-key fallback (development web shell, tests):
 * a keyring on a connection so sealed answers read back as text and sealed media chunks open. A
 * kiosk whose keys are in the OS keystore (Electron `safeStorage`) cannot be read this way — by
 * design, a copy of its data folder opens nothing; its own process reads them.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { systemClock } from '../../../common/clock';
import { silentLogger } from '../../../common/logger';
import type { Db } from '../../../db/connection';
import { setTextSealer } from '../../../db/text-sealing';
import { FileKeyProtector } from '../../packs/key-protector';
import { SessionKeyring } from './session-keyring';

/** The keyring of a data folder that has a file key, or undefined (OS keystore, or nothing sealed yet). */
export function fileKeyring(db: Db, dataDir: string): SessionKeyring | undefined {
  if (!existsSync(path.join(dataDir, 'keys', 'local-wrap.key'))) return undefined;
  return new SessionKeyring({ db, protector: new FileKeyProtector(dataDir), clock: systemClock, logger: silentLogger });
}

/**
 * True when the data folder has a file key and the connection can now open sealed texts. Media
 * readers take `fileKeyring(db, dataDir)?.chunkSealer()` instead.
 */
export function useFileKeys(db: Db, dataDir: string): boolean {
  const keyring = fileKeyring(db, dataDir);
  if (!keyring) return false;
  setTextSealer(db, keyring);
  return true;
}
