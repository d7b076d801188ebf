// `floatip cleanup`: remove every floatip-tagged address from the kernel, with or without a daemon.
//
// systemd runs it as ExecStopPost, so a daemon that crashed (or was killed) leaves no public
// address answering. It talks to the kernel directly: there may be no daemon to ask.

import { formatAddressList } from '../format/cleanup';
import { expectPositionals, parseArgs } from '../args';
import { CliIo, Command, EXIT_OK } from '../command';
import { CliDeps } from '../deps';

const USAGE = `usage: floatip cleanup [--json]

Deletes every address floatip added (those carrying floatip's kernel tag, IFA_PROTO) from every
interface of this node, and prints what it deleted. Addresses floatip did not add are never
touched. Meant for after floatipd has stopped: systemd runs it as ExecStopPost. If floatipd is
running, it would put its addresses back within a second.
  --json   print [{"interface", "address", "bits"}...] instead of lines`;

export function cleanupCommand(deps: CliDeps): Command {
  return {
    name: 'cleanup',
    summary: 'remove all floatip-tagged addresses from this node (after floatipd stopped)',
    usage: USAGE,
    async run(args: readonly string[], io: CliIo): Promise<number> {
      const parsed = parseArgs(args, [{ name: '--json', takesValue: false }]);
      expectPositionals(parsed, 0, 0, '');
      const addresses = await deps.openAddresses();
      await addresses.start();
      try {
        const removed = await addresses.removeOwnedAddresses();
        const rows = removed.map((a) => ({ interface: a.interface, address: a.address.text, bits: a.bits }));
        io.stdout(parsed.flags.has('--json') ? `${JSON.stringify(rows, null, 2)}\n` : formatAddressList(rows));
        return EXIT_OK;
      } finally {
        await addresses.stop();
      }
    },
  };
}
