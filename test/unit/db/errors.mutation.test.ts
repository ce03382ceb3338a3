import { describe, expect, it } from 'vitest';
import { storageErrorCode } from '../../../main/db/errors';

const coded = (code: unknown, message = 'x') => Object.assign(new Error(message), { code });

describe('storageErrorCode', () => {
  it.each([
    ['SQLITE_FULL', 'database or disk is full', 'STORAGE_FULL'],
    ['SQLITE_IOERR_WRITE', 'disk I/O error: no space left', 'STORAGE_FULL'],
    ['SQLITE_IOERR_WRITE', 'disk I/O error', 'JOURNAL_WRITE_FAILED'],
    ['SQLITE_IOERR_FSYNC', 'disk I/O error', 'JOURNAL_WRITE_FAILED'],
    ['SQLITE_IOERR', 'disk full', 'JOURNAL_WRITE_FAILED'],
    ['SQLITE_READONLY', 'attempt to write a readonly database', 'STORAGE_READONLY'],
    ['SQLITE_READONLY_DBMOVED', 'x', 'STORAGE_READONLY'],
    ['SQLITE_CANTOPEN', 'unable to open database file', 'STORAGE_READONLY'],
    ['SQLITE_PERM', 'x', 'STORAGE_READONLY'],
    ['SQLITE_CORRUPT', 'database disk image is malformed', 'STORAGE_CORRUPT'],
    ['SQLITE_CORRUPT_INDEX', 'x', 'STORAGE_CORRUPT'],
    ['SQLITE_NOTADB', 'file is not a database', 'STORAGE_CORRUPT'],
    ['SQLITE_BUSY', 'database is locked', null],
    ['SQLITE_CONSTRAINT_UNIQUE', 'x', null],
    ['ENOSPC', 'no space left on device', 'STORAGE_FULL'],
    ['EROFS', 'read-only file system', 'STORAGE_READONLY'],
    ['EACCES', 'permission denied', 'STORAGE_READONLY'],
    ['EPERM', 'operation not permitted', 'STORAGE_READONLY'],
    ['ENOENT', 'no such file', null],
    ['XSQLITE_IOERR', 'x', null],
  ] as const)('maps %s (%s) to %s', (code, message, expected) => {
    expect(storageErrorCode(coded(code, message))).toBe(expected);
  });

  it('maps values without a code to nothing', () => {
    expect(storageErrorCode(new Error('SQLITE_FULL'))).toBeNull();
    expect(storageErrorCode('SQLITE_FULL')).toBeNull();
    expect(storageErrorCode(null)).toBeNull();
    expect(storageErrorCode(undefined)).toBeNull();
    expect(storageErrorCode({ code: 'ENOSPC' })).toBe('STORAGE_FULL');
    expect(storageErrorCode({ message: 'ENOSPC' })).toBeNull();
  });
});
