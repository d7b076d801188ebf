// How tickles are repeated ([tickle] in floatip.toml).

export interface TickleSettings {
  /**
   * Tickles per connection.
   * @default 3
   */
  readonly count: number;
  /**
   * Time between the rounds, in ms. Linux answers out-of-window segments at most once
   * per 500 ms per socket (net.ipv4.tcp_invalid_ratelimit), so a repeat sooner than
   * that would be ignored by the client; it pays when the first answer was lost, e.g.
   * while the client still sent to the old owner's MAC.
   * @default 500
   */
  readonly spacingMs: number;
}

export const DEFAULT_TICKLE_SETTINGS: TickleSettings = { count: 3, spacingMs: 500 };

export class TickleSettingsError extends Error {
  readonly code = 'E_TICKLE_SETTINGS';
  constructor(message: string) {
    super(message);
    this.name = 'TickleSettingsError';
  }
}

/** Defaults overlaid with `overrides`, checked; the error names the setting and its range. */
export function tickleSettings(overrides: Partial<TickleSettings> = {}): TickleSettings {
  const settings = { ...DEFAULT_TICKLE_SETTINGS, ...overrides };
  if (!Number.isInteger(settings.count) || settings.count < 1 || settings.count > 100) {
    throw new TickleSettingsError(`tickle setting count = ${settings.count} is out of range: use an integer from 1 to 100`);
  }
  if (!Number.isInteger(settings.spacingMs) || settings.spacingMs < 0 || settings.spacingMs > 60_000) {
    throw new TickleSettingsError(`tickle setting spacingMs = ${settings.spacingMs} is out of range: use an integer from 0 to 60000 (ms)`);
  }
  return settings;
}
