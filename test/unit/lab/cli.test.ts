// `floatip lab` through the CLI entry: usage errors exit 2 before anything is checked or made.

import { CliRun, runCommands } from '../cli/harness';

function floatip(...args: string[]): Promise<CliRun> {
  return runCommands(args);
}

describe('floatip lab', () => {
  it('prints its usage with every verb on --help', async () => {
    const help = await floatip('lab', '--help');
    expect(help.code).toBe(0);
    for (const verb of ['up', 'status', 'fail', 'heal', 'partition', 'exec', 'down', 'demo']) expect(help.stdout).toContain(`\n  ${verb}`);
  });

  it('exits 2 with the parser\'s message on bad arguments', async () => {
    const bad = await floatip('lab', 'fail', '1', '--mode', 'crash');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe("floatip lab: --mode must be one of kill, link, freeze, stop, monitor, not 'crash'\nTry 'floatip lab --help'.\n");
  });

  it('refuses a demo that could not fail over with exit 2, before building anything', async () => {
    const demo = await floatip('lab', 'demo', '--nodes', '2');
    expect(demo.code).toBe(2);
    expect(demo.stderr).toContain('floatip lab: lab demo: --nodes must be 3 or more');
  });
});
