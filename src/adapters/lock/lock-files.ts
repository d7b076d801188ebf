// The file operations the fcntl lock needs: open, identity, OFD byte-range lock; real ones over node:fs and the addon.

import * as fs from 'node:fs';
import { nativeAddon, NativeAddonError } from '../packet/native';

/** A file's identity: device and inode, as `dev:ino`. Equal identities mean the same file. */
export type FileIdentity = string;

/** An open descriptor of the lock file (numeric, so nothing closes it behind our back). */
export interface OpenLockFile {
  readonly fd: number;
  readonly path: string;
}

export interface LockFiles {
  /** Opens the file read-write, creating it (mode 0600) when missing. Close-on-exec, so event scripts never inherit it. */
  open(path: string): Promise<OpenLockFile>;
  /** Identity of the open file. */
  identityOf(file: OpenLockFile): Promise<FileIdentity>;
  /** Identity of whatever the path names now, or undefined when nothing does. */
  identityAt(path: string): Promise<FileIdentity | undefined>;
  /** Takes a write lock on [start, start+length) without waiting: true when taken, false when held elsewhere. */
  tryLock(file: OpenLockFile, start: number, length: number): Promise<boolean>;
  unlock(file: OpenLockFile, start: number, length: number): Promise<void>;
  /** Closing drops every lock taken through this descriptor. */
  close(file: OpenLockFile): Promise<void>;
}

/** What the native addon exports for locking (native/fcntl_lock.cc). */
interface NativeRangeLocks {
  fcntlTryLock(fd: number, start: number, length: number, path: string): Promise<boolean>;
  fcntlUnlock(fd: number, start: number, length: number, path: string): Promise<void>;
}

function identity(stats: fs.BigIntStats): FileIdentity {
  return `${stats.dev}:${stats.ino}`;
}

/** The real file system; the fcntl calls run in libuv's thread pool (a hung cluster file system never blocks the event loop). */
export class SystemLockFiles implements LockFiles {
  private native: NativeRangeLocks | undefined;

  open(path: string): Promise<OpenLockFile> {
    // The callback form gives a bare descriptor; a FileHandle would close itself when garbage-collected.
    return new Promise((resolve, reject) => fs.open(path, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600,
      (error, fd) => (error ? reject(error) : resolve({ fd, path }))));
  }

  async identityOf(file: OpenLockFile): Promise<FileIdentity> {
    return identity(await fstatBig(file.fd));
  }

  async identityAt(path: string): Promise<FileIdentity | undefined> {
    try {
      return identity(await fs.promises.stat(path, { bigint: true }));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  tryLock(file: OpenLockFile, start: number, length: number): Promise<boolean> {
    return this.locks().fcntlTryLock(file.fd, start, length, file.path);
  }

  unlock(file: OpenLockFile, start: number, length: number): Promise<void> {
    return this.locks().fcntlUnlock(file.fd, start, length, file.path);
  }

  close(file: OpenLockFile): Promise<void> {
    return new Promise((resolve, reject) => fs.close(file.fd, (error) => (error ? reject(error) : resolve())));
  }

  private locks(): NativeRangeLocks {
    if (!this.native) {
      const addon = nativeAddon() as unknown as Partial<NativeRangeLocks>;
      if (typeof addon.fcntlTryLock !== 'function' || typeof addon.fcntlUnlock !== 'function') {
        throw new NativeAddonError('the native addon has no fcntlTryLock: it is older than this floatip; rebuild it with `npm ci` or `npx node-gyp rebuild`');
      }
      this.native = addon as NativeRangeLocks;
    }
    return this.native;
  }
}

function fstatBig(fd: number): Promise<fs.BigIntStats> {
  return new Promise((resolve, reject) => fs.fstat(fd, { bigint: true }, (error, stats) => (error ? reject(error) : resolve(stats))));
}
