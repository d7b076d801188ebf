// Rules between options of floatip.toml (fence_after < dead_after, ...), each saying why it exists.

import { formatDuration } from './duration';
import { ConfigIssue } from './issues';
import { FloatipSettings } from './schema';
import { SettingsReading } from './settings';

interface Rule {
  /** Dotted keys the rule reads; it is skipped when one of them was refused already. */
  readonly keys: readonly string[];
  /** A message when the settings break the rule. */
  check(settings: FloatipSettings): string | undefined;
}

const ms = formatDuration;

const rules: readonly Rule[] = [
  {
    keys: ['timing.heartbeat_interval', 'timing.fence_after', 'timing.profile'],
    check: ({ timing: t }) => (t.heartbeat_interval < t.fence_after ? undefined
      : `timing.heartbeat_interval (${ms(t.heartbeat_interval)}) must be shorter than timing.fence_after (${ms(t.fence_after)}), `
        + 'or a node would fence itself between two heartbeats; lower heartbeat_interval or raise fence_after'),
  },
  {
    keys: ['timing.fence_after', 'timing.dead_after', 'timing.profile'],
    check: ({ timing: t }) => (t.fence_after < t.dead_after ? undefined
      : `timing.fence_after (${ms(t.fence_after)}) must be shorter than timing.dead_after (${ms(t.dead_after)}), `
        + 'so a node that lost quorum has released its addresses before the others take them over; '
        + 'lower fence_after or raise dead_after'),
  },
  {
    keys: ['timing.dead_after', 'timing.takeover_deadline', 'timing.profile'],
    check: ({ timing: t }) => (t.dead_after < t.takeover_deadline ? undefined
      : `timing.takeover_deadline (${ms(t.takeover_deadline)}) must be longer than timing.dead_after (${ms(t.dead_after)}), `
        + 'because a silent node counts as released only after dead_after; raise takeover_deadline'),
  },
  {
    keys: ['events.timeouts.takeip', 'events.timeouts.releaseip', 'timing.takeover_deadline'],
    check: ({ events: { timeouts: e }, timing: t }) => {
      const inRun = (e.takeip ?? 0) + (e.releaseip ?? 0);
      return inRun < t.takeover_deadline ? undefined
        : `events.timeouts.takeip (${ms(e.takeip ?? 0)}) + events.timeouts.releaseip (${ms(e.releaseip ?? 0)}) must be shorter than `
          + `timing.takeover_deadline (${ms(t.takeover_deadline)}): both run inside a takeover run, and a hung script must time out `
          + 'before the run does, or the address waits for it unserved; lower the event timeouts or raise takeover_deadline';
    },
  },
  {
    keys: ['ipalloc.home_nodes_file', 'ipalloc.algorithm'],
    check: ({ ipalloc }) => (ipalloc.home_nodes_file === undefined || ipalloc.algorithm === 'deterministic' ? undefined
      : `ipalloc.home_nodes_file is used only with algorithm = "deterministic" (algorithm is "${ipalloc.algorithm}"); `
        + 'remove home_nodes_file or set algorithm = "deterministic"'),
  },
  {
    keys: ['cluster.quorum', 'cluster.cluster_lock'],
    check: ({ cluster }) => (cluster.quorum !== 'lock' || cluster.cluster_lock !== undefined ? undefined
      : 'quorum = "lock" needs cluster.cluster_lock: set cluster_lock (e.g. "fcntl:/clusterfs/.floatip/lock") or use quorum = "majority"'),
  },
  {
    keys: ['garp.refresh_interval', 'garp.count', 'garp.spacing'],
    check: ({ garp }) => (garp.refresh_interval === 0 || garp.refresh_interval >= garp.count * garp.spacing ? undefined
      : `garp.refresh_interval (${ms(garp.refresh_interval)}) is shorter than one burst (${garp.count} x ${ms(garp.spacing)}); `
        + 'raise it, or set "0s" to turn refresh off'),
  },
];

/**
 * Checks every rule whose options all have valid values. The issue points at
 * the first of the rule's keys the file sets, else at the first key: that is
 * the line the user will want to change.
 */
export function checkRules(reading: SettingsReading, file: string): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const rule of rules) {
    if (rule.keys.some((key) => reading.failed.has(key))) continue;
    const message = rule.check(reading.settings);
    if (message === undefined) continue;
    const key = rule.keys.find((k) => reading.explicit.has(k)) ?? rule.keys[0];
    issues.push({ code: 'E_CONFIG_CONFLICT', file, line: reading.lines.lineOf(key.split('.')), key, message });
  }
  return issues;
}
