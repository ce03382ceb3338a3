import type { ErrorCode } from '../../preload/contract/errors';

/**
 * Maps a SQLite failure to the code the kiosk reports. Storage faults fail closed: the caller
 * stops recording and tells the candidate; nothing already acknowledged is touched.
 */
export function storageErrorCode(e: unknown): ErrorCode | null {
  const code = typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : '';
  if (!code.startsWith('SQLITE_')) {
    const errno = typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : '';
    if (errno === 'ENOSPC') return 'STORAGE_FULL';
    if (errno === 'EROFS' || errno === 'EACCES' || errno === 'EPERM') return 'STORAGE_READONLY';
    // A media file's write or fsync failed: the segment file is as much the journal as SQLite is.
    if (errno === 'EIO') return 'JOURNAL_WRITE_FAILED';
    return null;
  }
  if (code === 'SQLITE_FULL' || code === 'SQLITE_IOERR_WRITE' && /full|space/i.test(String(e))) return 'STORAGE_FULL';
  if (code.startsWith('SQLITE_READONLY') || code === 'SQLITE_CANTOPEN' || code === 'SQLITE_PERM') return 'STORAGE_READONLY';
  if (code === 'SQLITE_CORRUPT' || code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') return 'STORAGE_CORRUPT';
  if (code.startsWith('SQLITE_IOERR')) return 'JOURNAL_WRITE_FAILED';
  return null;
}
