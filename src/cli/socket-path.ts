// Which control socket the CLI talks to: --socket, then FLOATIP_SOCKET, then control.socket of floatip.toml, then the default.

import { dirname, isAbsolute, resolve } from 'node:path';
import { LocalSettingsSources, readLocalSettings } from './local-settings';

export async function resolveSocketPath(option: string | undefined, sources: LocalSettingsSources): Promise<string> {
  if (option !== undefined) return option;
  const fromEnv = sources.env.FLOATIP_SOCKET;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const local = await readLocalSettings(sources, 'control.socket', 'give the socket with --socket PATH',
    (settings) => `the default socket ${settings.control.socket}`);
  const socket = local.settings.control.socket;
  // As the daemon's loader does: a relative path is relative to floatip.toml's directory.
  return isAbsolute(socket) || local.configPath === undefined ? socket : resolve(dirname(local.configPath), socket);
}
