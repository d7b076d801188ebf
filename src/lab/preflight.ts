// Checks before the lab touches anything: root, and the programs it runs.

import { LabError } from './errors';
import { runCommand } from './shell';

/** Programs every lab command needs, with the Debian package that has them. */
const REQUIRED_PROGRAMS: readonly { program: string; versionArgs: readonly string[]; debianPackage: string }[] = [
  { program: 'ip', versionArgs: ['-V'], debianPackage: 'iproute2' },
];

/** The effective uid, or undefined where the platform has none. */
export type UidSource = () => number | undefined;

export function requireRoot(uid: UidSource = () => process.geteuid?.()): void {
  const current = uid();
  if (current !== 0) {
    throw new LabError('E_LAB_NOT_ROOT', `it must run as root (uid 0${current === undefined ? '' : `, not ${current}`}): `
      + 'it creates network namespaces, links and addresses. Run it again with sudo, e.g. `sudo floatip lab up`');
  }
}

export async function requirePrograms(): Promise<void> {
  for (const { program, versionArgs, debianPackage } of REQUIRED_PROGRAMS) {
    try {
      await runCommand(program, versionArgs);
    } catch {
      throw new LabError('E_LAB_MISSING_COMMAND', `floatip lab needs \`${program}\`, which is not installed: install ${debianPackage} `
        + `(apt-get install ${debianPackage})`);
    }
  }
  const netns = await runCommand('ip', ['netns', 'list']);
  if (netns.status !== 0) {
    throw new LabError('E_LAB_MISSING_COMMAND', `\`ip netns\` does not work here (${netns.stderr.trim()}): `
      + 'the lab needs network namespaces; install a current iproute2 and run on a kernel with CONFIG_NET_NS');
  }
}

/** Both checks; every lab verb runs them first. */
export async function preflight(uid?: UidSource): Promise<void> {
  requireRoot(uid);
  await requirePrograms();
}
