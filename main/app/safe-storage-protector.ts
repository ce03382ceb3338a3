/**
 * The Electron shell's KeyProtector: the OS keystore through `safeStorage` (DPAPI on Windows,
 * Keychain on macOS, libsecret/kwallet on Linux). Secrets at rest (pack content keys, the
 * centre's resume-code secret, the anti-rollback seal key) are then bound to this machine and
 * account; a copy of the data folder opens nothing.
 *
 * Wiring (main.ts, after `app.whenReady()`):
 *   createKioskCore({ …, keyProtector: keyProtectorForShell(safeStorage, dataDir, logger) })
 *
 * On Linux without a secret service, safeStorage falls back to a hard-coded password
 * (`getSelectedStorageBackend() === 'basic_text'`): that is no protection, so the file-key
 * fallback is used instead and the log says so.
 */
import type { SafeStorage } from 'electron';
import type { Logger } from '../common/logger';
import { FileKeyProtector, OsKeystoreProtector, type KeyProtector } from '../services/packs/key-protector';

type Keystore = Pick<SafeStorage, 'isEncryptionAvailable' | 'encryptString' | 'decryptString'> & { getSelectedStorageBackend?: () => string };

export function keyProtectorForShell(safeStorage: Keystore, dataDir: string, logger: Logger): KeyProtector {
  const log = logger.scope('keys');
  const backend = process.platform === 'linux' ? safeStorage.getSelectedStorageBackend?.() : undefined;
  if (safeStorage.isEncryptionAvailable() && backend !== 'basic_text') {
    log.info('secrets at rest are wrapped by the OS keystore', { backend: backend ?? process.platform });
    return new OsKeystoreProtector(safeStorage);
  }
  log.warn('the OS keystore is not available; falling back to a key file in the data folder', { backend: backend ?? 'none' });
  return new FileKeyProtector(dataDir, logger);
}
