// `floatip lab` through the CLI entry: usage errors exit 2 before anything is checked or made; demo is not there yet.

import { runCli } from '../../../src/cli/main';
import { CliIo } from '../../../src/cli/command';

async function floatip(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (t) => { stdout += t; },
    stderr: (t) => { stderr += t; },
    readStdin: async () => '',
    readFile: async () => '',
  };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
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

  it('says demo is not yet available and fails', async () => {
    const demo = await floatip('lab', 'demo');
    expect(demo.code).toBe(1);
    expect(demo.stderr).toContain('floatip lab demo: not yet available');
  });
});
