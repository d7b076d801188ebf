// floatipd's command line: --config PATH, --check-config, --help, --version; the config path falls back to FLOATIP_CONFIG, then /etc/floatip/floatip.toml.

import { DEFAULT_CONFIG_PATH } from '../../config/daemon-usage';

export type DaemonCommand =
  | { readonly kind: 'run'; readonly configPath: string }
  | { readonly kind: 'check-config'; readonly configPath: string }
  | { readonly kind: 'help' }
  | { readonly kind: 'version' };

/** A command line floatipd does not understand; the message says what to write instead. */
export class DaemonArgsError extends Error {
  readonly code = 'E_DAEMON_ARGS';
  constructor(message: string) {
    super(message);
    this.name = 'DaemonArgsError';
  }
}

export function parseDaemonArgs(args: readonly string[], env: Readonly<Record<string, string | undefined>>): DaemonCommand {
  let configPath: string | undefined;
  let checkOnly = false;
  for (let k = 0; k < args.length; k++) {
    const arg = args[k];
    if (arg === '--help' || arg === '-h') return { kind: 'help' };
    if (arg === '--version' || arg === '-V') return { kind: 'version' };
    if (arg === '--check-config') {
      checkOnly = true;
      continue;
    }
    if (arg === '--config' || arg.startsWith('--config=')) {
      const value = arg === '--config' ? args[++k] : arg.slice('--config='.length);
      if (value === undefined || value === '') throw new DaemonArgsError('--config needs a path: floatipd --config /etc/floatip/floatip.toml');
      if (configPath !== undefined) throw new DaemonArgsError('--config is given twice: give it once');
      configPath = value;
      continue;
    }
    throw new DaemonArgsError(`unknown argument '${arg}': floatipd takes only --config PATH, --check-config, --help and --version`);
  }
  const fromEnv = env.FLOATIP_CONFIG;
  const path = configPath ?? (fromEnv !== undefined && fromEnv !== '' ? fromEnv : DEFAULT_CONFIG_PATH);
  return { kind: checkOnly ? 'check-config' : 'run', configPath: path };
}
