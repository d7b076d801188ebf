// Starts the soak's helper programs (address sampler, ARP prober) inside a lab namespace, under the same loader as this process.
//
// Built, the helpers are .js files beside this one. From the TypeScript sources (the
// integration test) they are .ts files and need a loader: the loader options of this
// process (floatipd's own rule, src/sibling.ts), or those the caller
// passes in `nodeArgs` when this process was not started with them (jest).

import { ChildProcess, spawn } from 'node:child_process';
import { loaderArgs, siblingScript } from '../sibling';

export function spawnHelperIn(namespace: string, base: string, args: readonly string[], nodeArgs: readonly string[] = []): ChildProcess {
  const argv = ['netns', 'exec', namespace, process.execPath, ...loaderArgs(), ...nodeArgs, siblingScript(__dirname, base), ...args];
  return spawn('ip', argv, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } });
}

/** Ends a helper by closing its stdin (each helper stops on end of input) and waits for it. */
export function stopHelper(child: ChildProcess, timeoutMs = 5000): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', () => { clearTimeout(timer); resolve(); });
    child.stdin?.end();
  });
}
