// How gratuitous ARP / unsolicited NA announcements are paced: bursts, repeats, refresh and rate limit.

/** Settings for announcing addresses after a takeover ([garp] in floatip.toml; IPv6 NA uses the same). */
export interface AnnounceSettings {
  /**
   * Rounds per burst; a round is one ARP request + one reply (IPv4) or one NA (IPv6).
   * @default 3
   */
  readonly count: number;
  /**
   * Time between the rounds of a burst, in ms.
   * @default 200
   */
  readonly spacingMs: number;
  /**
   * Delay from the first burst to a second one, in ms, for switches and hosts that missed
   * the first while a link was still settling (keepalived's garp_master_delay). 0 = none.
   * @default 5000
   */
  readonly secondBurstDelayMs: number;
  /**
   * Re-announce every held address this often, in ms, one round each. 0 = off.
   * On by default, below the 300 s MAC aging of most switches (floatip.toml's garp.refresh_interval says why).
   * @default 60000
   */
  readonly refreshIntervalMs: number;
  /**
   * Frames per second per interface. Rounds are queued behind this limit so that a
   * takeover of a thousand addresses does not flood a switch's control plane.
   * @default 10000
   */
  readonly maxFramesPerSecond: number;
  /**
   * Frames an idle interface may send at once before the rate applies: with the
   * default, the first round of 1000 IPv4 addresses leaves without waiting.
   * @default 2000
   */
  readonly burstFrames: number;
}

export const DEFAULT_ANNOUNCE_SETTINGS: AnnounceSettings = {
  count: 3,
  spacingMs: 200,
  secondBurstDelayMs: 5000,
  refreshIntervalMs: 60_000,
  maxFramesPerSecond: 10000,
  burstFrames: 2000,
};

export class AnnounceSettingsError extends Error {
  readonly code = 'E_ANNOUNCE_SETTINGS';
  constructor(message: string) {
    super(message);
    this.name = 'AnnounceSettingsError';
  }
}

const LIMITS: Record<keyof AnnounceSettings, { min: number; max: number; unit: string }> = {
  count: { min: 1, max: 100, unit: 'rounds' },
  spacingMs: { min: 0, max: 60_000, unit: 'ms' },
  secondBurstDelayMs: { min: 0, max: 3_600_000, unit: 'ms' },
  refreshIntervalMs: { min: 0, max: 86_400_000, unit: 'ms' },
  maxFramesPerSecond: { min: 1, max: 10_000_000, unit: 'frames/s' },
  burstFrames: { min: 1, max: 1_000_000, unit: 'frames' },
};

/** Defaults overlaid with `overrides`, checked; the error names the setting and its range. */
export function announceSettings(overrides: Partial<AnnounceSettings> = {}): AnnounceSettings {
  const settings = { ...DEFAULT_ANNOUNCE_SETTINGS, ...overrides };
  for (const [name, limit] of Object.entries(LIMITS) as [keyof AnnounceSettings, (typeof LIMITS)[keyof AnnounceSettings]][]) {
    const value = settings[name];
    if (!Number.isInteger(value) || value < limit.min || value > limit.max) {
      throw new AnnounceSettingsError(`garp setting ${name} = ${value} is out of range: use an integer from ${limit.min} to ${limit.max} (${limit.unit})`);
    }
  }
  if (settings.refreshIntervalMs > 0 && settings.refreshIntervalMs < settings.spacingMs * settings.count) {
    throw new AnnounceSettingsError(
      `garp setting refreshIntervalMs = ${settings.refreshIntervalMs} is shorter than one burst (${settings.count} x ${settings.spacingMs} ms): raise it or set 0 to turn refresh off`,
    );
  }
  return settings;
}
