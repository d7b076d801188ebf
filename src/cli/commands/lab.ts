// `floatip lab`: the network-namespace lab (issue 6). Until it lands it says so and fails.

import { Command, EXIT_FAILED } from '../command';

export const labCommand: Command = {
  name: 'lab',
  summary: 'run a cluster of network namespaces on this machine (not yet available)',
  usage: 'floatip lab up|down|status|fail|heal|partition|demo\n\nThe lab is not yet available in this version of floatip.',
  async run(_args, io) {
    io.stderr('floatip lab: not yet available: the namespace lab is still being built.\n');
    return EXIT_FAILED;
  },
};
