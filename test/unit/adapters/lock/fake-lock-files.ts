// A pretend file system for the fcntl lock: paths name inodes, OFD locks per descriptor, and hooks to make calls fail or hang.

import { FileIdentity, LockFiles, OpenLockFile } from '../../../../src/adapters/lock/lock-files';

interface RangeLock {
  readonly fd: number;
  readonly inode: number;
  readonly start: number;
}

export class FakeLockFiles implements LockFiles {
  private nextInode = 100;
  private nextFd = 10;
  private readonly paths = new Map<string, number>();
  private readonly descriptors = new Map<number, number>(); // fd -> inode
  private locks: RangeLock[] = [];
  /** When set, the next call of that name throws it (once). */
  readonly failNext = new Map<string, Error>();
  /** When true, identityAt never answers (a hung file system). */
  hang = false;

  /** Removes the path (the inode lives on while open). */
  remove(path: string): void {
    this.paths.delete(path);
  }

  /** Puts a new file at the path, as `mv new path` does. */
  replace(path: string): void {
    this.paths.set(path, this.nextInode++);
  }

  /** Locks held by some other node on the file now at `path`. */
  lockElsewhere(path: string, start = 0): void {
    this.locks.push({ fd: -1, inode: this.inodeAt(path), start });
  }

  get openCount(): number {
    return this.descriptors.size;
  }

  async open(path: string): Promise<OpenLockFile> {
    this.maybeFail('open');
    if (!this.paths.has(path)) this.paths.set(path, this.nextInode++);
    const fd = this.nextFd++;
    this.descriptors.set(fd, this.inodeAt(path));
    return { fd, path };
  }

  async identityOf(file: OpenLockFile): Promise<FileIdentity> {
    return `1:${this.inodeOf(file)}`;
  }

  identityAt(path: string): Promise<FileIdentity | undefined> {
    if (this.hang) return new Promise(() => undefined);
    this.maybeFail('identityAt');
    const inode = this.paths.get(path);
    return Promise.resolve(inode === undefined ? undefined : `1:${inode}`);
  }

  async tryLock(file: OpenLockFile, start: number): Promise<boolean> {
    this.maybeFail('tryLock');
    const inode = this.inodeOf(file);
    if (this.locks.some((l) => l.inode === inode && l.start === start && l.fd !== file.fd)) return false;
    this.locks.push({ fd: file.fd, inode, start });
    return true;
  }

  async unlock(file: OpenLockFile, start: number): Promise<void> {
    this.locks = this.locks.filter((l) => !(l.fd === file.fd && l.start === start));
  }

  async close(file: OpenLockFile): Promise<void> {
    this.descriptors.delete(file.fd);
    this.locks = this.locks.filter((l) => l.fd !== file.fd);
  }

  private inodeAt(path: string): number {
    const inode = this.paths.get(path);
    if (inode === undefined) throw new Error(`no file at ${path}`);
    return inode;
  }

  private inodeOf(file: OpenLockFile): number {
    const inode = this.descriptors.get(file.fd);
    if (inode === undefined) throw Object.assign(new Error('bad descriptor'), { code: 'EBADF' });
    return inode;
  }

  private maybeFail(call: string): void {
    const error = this.failNext.get(call);
    if (error) {
      this.failNext.delete(call);
      throw error;
    }
  }
}
