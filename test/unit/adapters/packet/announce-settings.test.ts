import { announceSettings, AnnounceSettingsError, DEFAULT_ANNOUNCE_SETTINGS } from '../../../../src/adapters/packet/announce-settings';

describe('announceSettings', () => {
  it('gives the documented defaults', () => {
    expect(announceSettings()).toEqual({
      count: 3, spacingMs: 200, secondBurstDelayMs: 5000, refreshIntervalMs: 60_000, maxFramesPerSecond: 10000, burstFrames: 2000,
    });
    expect(announceSettings()).toEqual(DEFAULT_ANNOUNCE_SETTINGS);
  });

  it('overlays overrides', () => {
    expect(announceSettings({ count: 1, refreshIntervalMs: 60000 })).toMatchObject({ count: 1, refreshIntervalMs: 60000, spacingMs: 200 });
  });

  it.each([
    [{ count: 0 }, /count = 0 is out of range: use an integer from 1 to 100/],
    [{ spacingMs: -1 }, /spacingMs = -1/],
    [{ maxFramesPerSecond: 1.5 }, /maxFramesPerSecond = 1.5/],
    [{ burstFrames: 0 }, /burstFrames = 0/],
    [{ refreshIntervalMs: 100 }, /shorter than one burst \(3 x 200 ms\)/],
  ])('rejects %p', (overrides, message) => {
    expect(() => announceSettings(overrides)).toThrow(AnnounceSettingsError);
    expect(() => announceSettings(overrides)).toThrow(message);
  });
});
