// The Dockerfile read against the repository (no Docker engine here): every COPY source exists, every path the runtime stage takes exists in the build stage, and the entrypoint is what `npm run build` makes.
//
// The build stage is modelled from what its steps produce: COPY puts files under
// WORKDIR; `npm ci` makes node_modules and, through package.json's install script
// (node-gyp on binding.gyp), build/Release/<target>.node; `npm run build` makes dist/
// (tsconfig.build.json: outDir and rootDir of tsconfig.json, over its include list).

import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';

const ROOT = join(__dirname, '../../..');
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

interface Instruction {
  readonly keyword: string;
  readonly args: string;
  readonly line: number;
}

/** Instructions with their line numbers; comments dropped, `\` continuations joined. */
function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  const lines = text.split('\n');
  for (let k = 0; k < lines.length; k++) {
    const start = k;
    let line = lines[k];
    if (/^\s*(#|$)/.test(line)) continue;
    while (line.endsWith('\\') && k + 1 < lines.length) line = `${line.slice(0, -1)} ${lines[++k].trim()}`;
    const match = /^\s*([A-Za-z]+)\s+(.*)$/.exec(line);
    if (match === null) throw new Error(`Dockerfile:${start + 1}: not an instruction: ${line}`);
    out.push({ keyword: match[1].toUpperCase(), args: match[2].trim(), line: start + 1 });
  }
  return out;
}

interface Stage {
  readonly name: string | undefined;
  readonly instructions: Instruction[];
}

function stagesOf(instructions: readonly Instruction[]): Stage[] {
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const alias = /\s+AS\s+(\S+)$/i.exec(instruction.args);
      stages.push({ name: alias?.[1], instructions: [] });
    } else {
      stages[stages.length - 1].instructions.push(instruction);
    }
  }
  return stages;
}

interface Copy {
  readonly from: string | undefined;
  readonly sources: readonly string[];
  readonly destination: string;
  readonly line: number;
}

function copyOf(instruction: Instruction): Copy {
  const words = instruction.args.split(/\s+/);
  const flags = words.filter((w) => w.startsWith('--'));
  const paths = words.filter((w) => !w.startsWith('--'));
  const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
  return { from, sources: paths.slice(0, -1), destination: paths[paths.length - 1], line: instruction.line };
}

/** The paths a stage holds: absolute, each standing for itself and everything below it. */
function buildStageOutputs(stage: Stage): string[] {
  let workdir = '/';
  const held: string[] = [];
  const packageJson = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
  const tsconfig = JSON.parse(read('tsconfig.json')) as { compilerOptions: { outDir: string; rootDir: string } };
  // An executable target is built as build/Release/<target>, every other as <target>.node.
  const gypTargets = read('binding.gyp').split(/(?='target_name')/).slice(1)
    .map((block) => `${/'target_name':\s*'([^']+)'/.exec(block)?.[1]}${/'type':\s*'executable'/.test(block) ? '' : '.node'}`);
  const has = (path: string): boolean => held.some((h) => path === h || path.startsWith(`${h}/`));
  for (const instruction of stage.instructions) {
    if (instruction.keyword === 'WORKDIR') workdir = posix.resolve(workdir, instruction.args);
    if (instruction.keyword === 'COPY') {
      const copy = copyOf(instruction);
      const destination = posix.resolve(workdir, copy.destination);
      for (const source of copy.sources) {
        held.push(copy.destination.endsWith('/') || copy.sources.length > 1 ? posix.join(destination, posix.basename(source)) : destination);
      }
    }
    if (instruction.keyword === 'RUN' && /\bnpm ci\b/.test(instruction.args)) {
      expect(has(posix.join(workdir, 'package-lock.json'))).toBe(true);
      held.push(posix.join(workdir, 'node_modules'));
      // The root package's install script runs in `npm ci`: node-gyp builds every binding.gyp target.
      if (/node-gyp rebuild/.test(packageJson.scripts.install ?? '') && has(posix.join(workdir, 'binding.gyp'))) {
        for (const target of gypTargets) held.push(posix.join(workdir, 'build', 'Release', target));
      }
    }
    if (instruction.keyword === 'RUN' && /\bnpm run build\b/.test(instruction.args)) {
      const build = JSON.parse(read('tsconfig.build.json')) as { include: string[] };
      for (const dir of build.include) expect(has(posix.join(workdir, dir))).toBe(true);
      expect(packageJson.scripts.build).toBe('tsc -p tsconfig.build.json');
      for (const dir of build.include) {
        held.push(posix.join(workdir, tsconfig.compilerOptions.outDir, posix.relative(tsconfig.compilerOptions.rootDir, dir)));
      }
    }
  }
  return held;
}

const dockerfile = parseDockerfile(read('Dockerfile'));
const stages = stagesOf(dockerfile);
const ignored = existsSync(join(ROOT, '.dockerignore'))
  ? read('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#')) : [];

describe('Dockerfile', () => {
  it('has a named build stage and a runtime stage', () => {
    expect(stages).toHaveLength(2);
    expect(stages[0].name).toBe('build');
    expect(stages[1].name).toBeUndefined();
  });

  it('copies from the build context only files that exist and that .dockerignore lets through', () => {
    const copies = dockerfile.filter((i) => i.keyword === 'COPY').map(copyOf).filter((c) => c.from === undefined);
    expect(copies.length).toBeGreaterThan(0);
    for (const copy of copies) {
      for (const source of copy.sources) {
        expect({ line: copy.line, source, exists: existsSync(join(ROOT, source)) }).toEqual({ line: copy.line, source, exists: true });
        const top = source.split('/')[0];
        expect({ line: copy.line, source, ignored: ignored.includes(top) }).toEqual({ line: copy.line, source, ignored: false });
      }
    }
  });

  it('takes into the runtime stage only what the build stage made or copied', () => {
    const outputs = buildStageOutputs(stages[0]);
    const copies = stages[1].instructions.filter((i) => i.keyword === 'COPY').map(copyOf).filter((c) => c.from !== undefined);
    expect(copies.map((c) => c.from)).toEqual(copies.map(() => 'build'));
    for (const copy of copies) {
      for (const source of copy.sources) {
        const made = outputs.some((o) => source === o || source.startsWith(`${o}/`) || o.startsWith(`${source}/`));
        expect({ line: copy.line, source, made }).toEqual({ line: copy.line, source, made: true });
      }
    }
  });

  it('puts the native addon and the guardian program where the daemon finds them: build/Release beside binding.gyp', () => {
    const runtime = stages[1].instructions;
    const workdir = runtime.find((i) => i.keyword === 'WORKDIR')?.args as string;
    const copied = runtime.filter((i) => i.keyword === 'COPY').map(copyOf)
      .flatMap((c) => c.sources.map((s) => posix.resolve(workdir, c.sources.length > 1 || c.destination.endsWith('/') ? posix.join(c.destination, posix.basename(s)) : c.destination)));
    expect(copied).toEqual(expect.arrayContaining([`${workdir}/binding.gyp`, `${workdir}/package.json`, `${workdir}/build/Release`, `${workdir}/node_modules`, `${workdir}/dist`]));
    expect(read('src/adapters/packet/native.ts')).toContain("const BUILD_DIR = path.join('build', 'Release');");
    expect(read('src/adapters/packet/native.ts')).toContain("const ADDON_FILE = 'floatip_native.node';");
    expect(read('binding.gyp')).toContain("'target_name': 'floatip_native'");
    expect(read('src/adapters/packet/native.ts')).toContain("export const GUARDIAN_PROGRAM = 'floatip-guardian';");
    expect(read('binding.gyp')).toMatch(/'target_name': 'floatip-guardian',\s*'type': 'executable'/);
  });

  it('starts floatipd from the file `npm run build` makes, the package\'s floatipd bin', () => {
    const entrypoint = JSON.parse(dockerfile.find((i) => i.keyword === 'ENTRYPOINT')?.args as string) as string[];
    const workdir = stages[1].instructions.find((i) => i.keyword === 'WORKDIR')?.args as string;
    expect(entrypoint[0]).toBe('node');
    const bin = (JSON.parse(read('package.json')) as { bin: Record<string, string> }).bin.floatipd;
    expect(entrypoint[1]).toBe(posix.join(workdir, bin));
    expect(bin).toBe('dist/src/daemon/main.js');
    expect(existsSync(join(ROOT, 'src/daemon/main.ts'))).toBe(true);
  });

  it('installs floatip and floatipd commands that run the same built files', () => {
    const wrapper = read('packaging/floatip-commands.sh');
    const bins = (JSON.parse(read('package.json')) as { bin: Record<string, string> }).bin;
    expect(wrapper).toContain(`/opt/floatip/${bins.floatipd}`);
    expect(wrapper).toContain(`/opt/floatip/${bins.floatip}`);
  });

  it('documents the docker run line with host networking, the two capabilities and /etc/floatip', () => {
    const line = 'docker run -d --name floatipd --init --network host --cap-add NET_ADMIN --cap-add NET_RAW';
    expect(read('Dockerfile')).toContain(line.slice(0, 60));
    expect(read('docs/deploying.md')).toContain(line);
    expect(read('docs/deploying.md')).toContain('-v /etc/floatip:/etc/floatip');
  });
});
