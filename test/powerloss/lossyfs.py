#!/usr/bin/python3
"""lossyfs: a FUSE file system for power-loss tests that loses what was never synced.

    /usr/bin/python3 test/powerloss/lossyfs.py BACKING MOUNTPOINT [--nosync | --nosync-suffix S] [--fsync-delay-ms N]

The volatile state (what processes see through the mount, the "page cache") lives in this
process's memory; the durable state (the "disk") is what fsync made durable. Semantics (strict
POSIX, stricter than ext4's data=ordered):
  * a file's data, size and mode become durable only at fsync/fdatasync of that file;
  * a directory's entries (create, mkdir, unlink, rmdir, rename) become durable only at fsync of
    that directory; an inode a durable entry names but whose data was never synced is empty;
  * writing "drop" to the virtual file /.lossyfs-ctl (hidden from listings) replaces the volatile
    state with the durable one at once: the power cut. The write returns after the drop.
    Kernel caches may still hold dropped pages for files already open, so a test remounts (or at
    least reopens) after a drop; the power-loss harness freezes the writer (SIGSTOP), drops,
    SIGKILLs the writer and unmounts.
  * --nosync: fsync and fdatasync report success and make nothing durable (a negative control);
    --nosync-suffix S: the same, only for files whose name ends with S (e.g. .webm: the media
    bytes are lost while the database stays whole, so only a per-chunk byte check can see it).
  * --fsync-delay-ms N: every fsync sleeps N ms first (a slow disk).
At unmount the durable state (never the volatile one) is written to BACKING (state.json and one
file per inode under data/) and the next mount starts from it, so a remount sees exactly what was
synced. Not modelled: torn sectors, a partly persisted write, reordering of writes within a file
before its fsync (an unsynced file loses all its unsynced writes, never only some), drive caches.
The whole FS runs single-threaded (nothreads), so operations are serialized.
"""
import argparse
import copy
import errno
import json
import os
import stat
import sys
import time

from fusepy import FUSE, FuseOSError, Operations

CTL = '/.lossyfs-ctl'


def new_file(mode):
    return {'kind': 'f', 'mode': stat.S_IFREG | (mode & 0o7777), 'data': bytearray(), 'mtime': time.time()}


def new_dir(mode):
    return {'kind': 'd', 'mode': stat.S_IFDIR | (mode & 0o7777), 'entries': {}, 'mtime': time.time()}


class LossyFS(Operations):
    use_ns = False

    def __init__(self, backing, nosync, fsync_delay_ms, nosync_suffix=None):
        self.backing = backing
        self.nosync = nosync
        self.nosync_suffix = nosync_suffix
        self.fsync_delay = fsync_delay_ms / 1000.0
        self.durable = self._load()
        self.next_ino = max(self.durable) + 1
        self.vol = self._volatile_from_durable()
        self.fhs = {}  # fh -> ino
        self.next_fh = 1
        self.dirty = set(self.durable)  # durable inodes to write back at unmount
        self.stats = {'fsyncs': 0, 'fsyncdirs': 0, 'drops': 0}

    # ----- durable state on the backing directory -----
    def _load(self):
        path = os.path.join(self.backing, 'state.json')
        if not os.path.exists(path):
            return {1: {'kind': 'd', 'mode': stat.S_IFDIR | 0o755, 'entries': {}, 'mtime': time.time()}}
        with open(path) as f:
            meta = json.load(f)
        nodes = {}
        for k, n in meta['nodes'].items():
            ino = int(k)
            n = dict(n)
            if n['kind'] == 'f':
                with open(os.path.join(self.backing, 'data', str(ino)), 'rb') as f:
                    n['data'] = bytes(f.read())
            else:
                n['entries'] = {name: int(i) for name, i in n['entries'].items()}
            nodes[ino] = n
        # Keep only inodes a durable entry reaches from the root.
        reach, todo = set(), [1]
        while todo:
            i = todo.pop()
            if i in reach or i not in nodes:
                continue
            reach.add(i)
            if nodes[i]['kind'] == 'd':
                todo.extend(nodes[i]['entries'].values())
        for d in nodes.values():
            if d['kind'] == 'd':
                d['entries'] = {n: i for n, i in d['entries'].items() if i in nodes}
        return {i: nodes[i] for i in reach}

    def _save(self):
        os.makedirs(os.path.join(self.backing, 'data'), exist_ok=True)
        meta = {}
        for ino, n in self.durable.items():
            m = {k: v for k, v in n.items() if k != 'data'}
            meta[str(ino)] = m
            if n['kind'] == 'f' and ino in self.dirty:
                tmp = os.path.join(self.backing, 'data', '%d.tmp' % ino)
                with open(tmp, 'wb') as f:
                    f.write(n['data'])
                    f.flush()
                    os.fsync(f.fileno())
                os.replace(tmp, os.path.join(self.backing, 'data', str(ino)))
        tmp = os.path.join(self.backing, 'state.json.tmp')
        with open(tmp, 'w') as f:
            json.dump({'nodes': meta}, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, os.path.join(self.backing, 'state.json'))
        self.dirty.clear()

    def _volatile_from_durable(self):
        vol = {}
        for ino, n in self.durable.items():
            v = dict(n)
            if n['kind'] == 'f':
                v['data'] = bytearray(n['data'])
            else:
                v['entries'] = dict(n['entries'])
            vol[ino] = v
        return vol

    def _unsynced(self):
        """How many inodes differ from their durable state (data, size or entries), and by how many bytes of size."""
        n, nbytes = 0, 0
        # SQLite's -shm index is never synced by design (rebuilt from the WAL): not counted.
        shm = {i for v in self.vol.values() if v['kind'] == 'd' for name, i in v['entries'].items() if name.endswith('-shm')}
        for ino, v in self.vol.items():
            d = self.durable.get(ino)
            if ino in shm:
                continue
            if v['kind'] == 'f':
                if d is None or d.get('data') != v['data']:
                    n += 1
                    nbytes += abs(len(v['data']) - len(d.get('data', b''))) if d else len(v['data'])
            elif d is None or d.get('entries') != v['entries']:
                n += 1
        return n, nbytes

    def drop(self):
        """The power cut: everything unsynced is gone."""
        n, nbytes = self._unsynced()
        sys.stderr.write('[lossyfs] drop: %d unsynced inodes, %d bytes of size\n' % (n, nbytes))
        sys.stderr.flush()
        self.vol = self._volatile_from_durable()
        self.fhs = {fh: ino for fh, ino in self.fhs.items() if ino in self.vol}
        self.stats['drops'] += 1

    # ----- lookups -----
    def _walk(self, path):
        ino = 1
        if path == '/':
            return ino
        for part in path.strip('/').split('/'):
            node = self.vol.get(ino)
            if node is None or node['kind'] != 'd' or part not in node['entries']:
                raise FuseOSError(errno.ENOENT)
            ino = node['entries'][part]
        if ino not in self.vol:
            raise FuseOSError(errno.ENOENT)
        return ino

    def _parent(self, path):
        head, name = os.path.split(path.rstrip('/'))
        pino = self._walk(head or '/')
        if self.vol[pino]['kind'] != 'd':
            raise FuseOSError(errno.ENOTDIR)
        return pino, name

    def _ino(self, path, fh=None):
        if fh is not None and fh in self.fhs:
            return self.fhs[fh]
        return self._walk(path)

    def _nlink(self, ino):
        n = self.vol[ino]
        if n['kind'] == 'd':
            return 2 + sum(1 for i in n['entries'].values() if self.vol.get(i, {}).get('kind') == 'd')
        return 1

    def _reap(self, ino):
        """Forget a volatile inode no entry and no open handle names."""
        if ino in self.fhs.values():
            return
        for n in self.vol.values():
            if n['kind'] == 'd' and ino in n['entries'].values():
                return
        self.vol.pop(ino, None)

    # ----- operations -----
    def getattr(self, path, fh=None):
        if path == CTL:
            return {'st_mode': stat.S_IFREG | 0o600, 'st_nlink': 1, 'st_size': 0}
        ino = self._ino(path, fh)
        n = self.vol[ino]
        size = len(n['data']) if n['kind'] == 'f' else 4096
        return {'st_ino': ino, 'st_mode': n['mode'], 'st_nlink': self._nlink(ino), 'st_size': size,
                'st_uid': os.getuid(), 'st_gid': os.getgid(), 'st_mtime': n['mtime'], 'st_ctime': n['mtime'],
                'st_atime': n['mtime'], 'st_blocks': (size + 511) // 512, 'st_blksize': 4096}

    def access(self, path, amode):
        if path != CTL:
            self._walk(path)
        return 0

    def statfs(self, path):
        return {'f_bsize': 4096, 'f_frsize': 4096, 'f_blocks': 1 << 24, 'f_bfree': 1 << 23, 'f_bavail': 1 << 23,
                'f_files': 1 << 20, 'f_ffree': 1 << 19, 'f_favail': 1 << 19, 'f_namemax': 255}

    def readdir(self, path, fh):
        n = self.vol[self._walk(path)]
        if n['kind'] != 'd':
            raise FuseOSError(errno.ENOTDIR)
        return ['.', '..'] + list(n['entries'])

    def mkdir(self, path, mode):
        pino, name = self._parent(path)
        if name in self.vol[pino]['entries']:
            raise FuseOSError(errno.EEXIST)
        ino = self.next_ino
        self.next_ino += 1
        self.vol[ino] = new_dir(mode)
        self.vol[pino]['entries'][name] = ino
        self.vol[pino]['mtime'] = time.time()

    def rmdir(self, path):
        pino, name = self._parent(path)
        ino = self._walk(path)
        if self.vol[ino]['kind'] != 'd':
            raise FuseOSError(errno.ENOTDIR)
        if self.vol[ino]['entries']:
            raise FuseOSError(errno.ENOTEMPTY)
        del self.vol[pino]['entries'][name]
        self._reap(ino)

    def _open_fh(self, ino):
        fh = self.next_fh
        self.next_fh += 1
        self.fhs[fh] = ino
        return fh

    def create(self, path, mode, fi=None):
        pino, name = self._parent(path)
        if name in self.vol[pino]['entries']:
            ino = self.vol[pino]['entries'][name]
        else:
            ino = self.next_ino
            self.next_ino += 1
            self.vol[ino] = new_file(mode)
            self.vol[pino]['entries'][name] = ino
            self.vol[pino]['mtime'] = time.time()
        return self._open_fh(ino)

    def open(self, path, flags):
        if path == CTL:
            return 0
        ino = self._walk(path)
        if flags & os.O_TRUNC:
            self.vol[ino]['data'] = bytearray()
        return self._open_fh(ino)

    def opendir(self, path):
        self._walk(path)
        return 0

    def release(self, path, fh):
        ino = self.fhs.pop(fh, None)
        if ino is not None:
            self._reap(ino)
        return 0

    def flush(self, path, fh):
        return 0

    def read(self, path, size, offset, fh):
        n = self.vol[self._ino(path, fh)]
        if n['kind'] != 'f':
            raise FuseOSError(errno.EISDIR)
        return bytes(n['data'][offset:offset + size])

    def write(self, path, data, offset, fh):
        if path == CTL:
            cmd = data.decode('utf-8', 'replace').strip()
            if cmd == 'drop':
                self.drop()
            elif cmd == 'save':
                self._save()
            else:
                raise FuseOSError(errno.EINVAL)
            return len(data)
        n = self.vol[self._ino(path, fh)]
        d = n['data']
        end = offset + len(data)
        if len(d) < offset:
            d.extend(b'\0' * (offset - len(d)))
        d[offset:end] = data
        n['mtime'] = time.time()
        return len(data)

    def truncate(self, path, length, fh=None):
        if path == CTL:
            return 0
        n = self.vol[self._ino(path, fh)]
        d = n['data']
        if length < len(d):
            del d[length:]
        else:
            d.extend(b'\0' * (length - len(d)))
        n['mtime'] = time.time()

    def unlink(self, path):
        pino, name = self._parent(path)
        ino = self._walk(path)
        if self.vol[ino]['kind'] == 'd':
            raise FuseOSError(errno.EISDIR)
        del self.vol[pino]['entries'][name]
        self.vol[pino]['mtime'] = time.time()
        self._reap(ino)

    def rename(self, old, new):
        opino, oname = self._parent(old)
        ino = self._walk(old)
        npino, nname = self._parent(new)
        replaced = self.vol[npino]['entries'].get(nname)
        if replaced is not None and self.vol[replaced]['kind'] == 'd' and self.vol[replaced]['entries']:
            raise FuseOSError(errno.ENOTEMPTY)
        del self.vol[opino]['entries'][oname]
        self.vol[npino]['entries'][nname] = ino
        if replaced is not None and replaced != ino:
            self._reap(replaced)

    def chmod(self, path, mode):
        n = self.vol[self._walk(path)]
        n['mode'] = (n['mode'] & ~0o7777) | (mode & 0o7777)

    def chown(self, path, uid, gid):
        return 0

    def utimens(self, path, times=None):
        if path == CTL:
            return 0
        self.vol[self._walk(path)]['mtime'] = times[1] if times else time.time()

    def _sleep(self):
        if self.fsync_delay > 0:
            time.sleep(self.fsync_delay)

    def fsync(self, path, datasync, fh):
        self._sleep()
        self.stats['fsyncs'] += 1
        if self.nosync or (self.nosync_suffix and path.endswith(self.nosync_suffix)):
            return 0
        ino = self._ino(path, fh)
        v = self.vol[ino]
        d = self.durable.get(ino)
        if d is None:
            # An inode no durable entry names yet: its data is durable, reachable once a directory fsync names it.
            d = {'kind': 'f', 'entries': None}
            self.durable[ino] = d
        d.update({'kind': 'f', 'mode': v['mode'], 'mtime': v['mtime'], 'data': bytes(v['data'])})
        d.pop('entries', None)
        self.dirty.add(ino)
        return 0

    def fsyncdir(self, path, datasync, fh):
        self._sleep()
        self.stats['fsyncdirs'] += 1
        if self.nosync:
            return 0
        ino = self._walk(path)
        v = self.vol[ino]
        d = self.durable.setdefault(ino, {'kind': 'd', 'mode': v['mode'], 'mtime': v['mtime'], 'entries': {}})
        d['entries'] = dict(v['entries'])
        d['mtime'] = v['mtime']
        for child in v['entries'].values():
            if child not in self.durable:
                c = self.vol[child]
                if c['kind'] == 'd':
                    self.durable[child] = {'kind': 'd', 'mode': c['mode'], 'mtime': c['mtime'], 'entries': {}}
                else:
                    # A durable name for an inode whose data was never synced: an empty file.
                    self.durable[child] = {'kind': 'f', 'mode': c['mode'], 'mtime': c['mtime'], 'data': b''}
                    self.dirty.add(child)
        return 0

    def destroy(self, path):
        self._save()
        sys.stderr.write('[lossyfs] unmounted: %s\n' % json.dumps(self.stats))

    def init(self, path):
        sys.stdout.write('ready\n')
        sys.stdout.flush()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('backing')
    ap.add_argument('mountpoint')
    ap.add_argument('--nosync', action='store_true')
    ap.add_argument('--nosync-suffix')
    ap.add_argument('--fsync-delay-ms', type=float, default=0)
    a = ap.parse_args()
    os.makedirs(a.backing, exist_ok=True)
    fs = LossyFS(a.backing, a.nosync, a.fsync_delay_ms, a.nosync_suffix)
    FUSE(fs, a.mountpoint, foreground=True, nothreads=True, use_ino=True, big_writes=True, max_write=131072,
         attr_timeout=0, entry_timeout=0, negative_timeout=0, fsname='lossyfs')


if __name__ == '__main__':
    main()
