// Where the guardian runs: in a transient systemd scope of its own when floatipd is a systemd service, else beside the daemon.
//
// The guardian must outlive anything that kills floatipd's whole cgroup: `systemctl
// kill floatipd` (every process of the unit), the stop's final SIGKILL, an OOM kill
// of the group (OOMPolicy=kill, memory.oom.group). In floatipd's own cgroup it would
// die with the daemon and leave the addresses on a node the cluster counts as dead.
// So under systemd it is started through `systemd-run --scope`: systemd-run registers
// itself as a new scope unit (its own cgroup under system.slice) and then execs the
// guardian in place, so the pipe, the pid and the ready line stay as they are.
// Outside systemd (the lab, a container, a shell) there is no manager to ask: the
// guardian runs beside the daemon, as it always did, and the log says so.

/** How to run one program: the executable and its arguments. */
export interface PlacedCommand {
  readonly execPath: string;
  readonly args: readonly string[];
}

export type GuardianPlacement =
  | { readonly kind: 'beside' }
  /** `unitPrefix-<daemon pid>-<n>.scope`, one per guardian (a killed guardian's scope may linger a moment). */
  | { readonly kind: 'systemd-scope'; readonly systemdRun: string; readonly unitPrefix: string };

/** Every guardian scope is named `floatip-guardian-*.scope`: the unit's ExecStopPost kills any left over. */
export const GUARDIAN_SCOPE_PREFIX = 'floatip-guardian';
export const SYSTEMD_RUN = '/usr/bin/systemd-run';

/** What the placement is decided from: the environment and what exists on this host. */
export interface PlacementFacts {
  /** systemd sets INVOCATION_ID for every process of a service it started. */
  readonly invocationId: string | undefined;
  /** /run/systemd/system exists exactly when systemd is the init system (sd_booted()). */
  readonly systemdBooted: boolean;
  readonly systemdRunExists: boolean;
}

/** Decision table: a scope needs all three facts; each row says why not otherwise. */
const PLACEMENT_RULES: ReadonlyArray<{ readonly when: (f: PlacementFacts) => boolean; readonly beside: string }> = [
  { when: (f) => !f.systemdBooted, beside: 'systemd is not the init system here' },
  { when: (f) => !f.invocationId, beside: 'floatipd was not started by systemd (no INVOCATION_ID)' },
  { when: (f) => !f.systemdRunExists, beside: `${SYSTEMD_RUN} is missing` },
];

/** Where to put the guardian, and why (for the log). */
export function choosePlacement(facts: PlacementFacts): { readonly placement: GuardianPlacement; readonly why: string } {
  const rule = PLACEMENT_RULES.find((r) => r.when(facts));
  if (rule) return { placement: { kind: 'beside' }, why: rule.beside };
  return {
    placement: { kind: 'systemd-scope', systemdRun: SYSTEMD_RUN, unitPrefix: GUARDIAN_SCOPE_PREFIX },
    why: 'floatipd is a systemd service: the guardian gets a scope of its own, so a kill of the service\'s cgroup leaves it to fence',
  };
}

/**
 * The guardian's command as placed. `serial` numbers the guardians of this daemon.
 * The guardian ignores the SIGTERM of the scope's stop (it decides from its pipe), so
 * a system shutdown waits for floatipd's goodbye, or the scope's stop timeout.
 */
export function placedCommand(command: PlacedCommand, placement: GuardianPlacement, daemonPid: number, serial: number): PlacedCommand {
  if (placement.kind === 'beside') return command;
  return {
    execPath: placement.systemdRun,
    args: [
      '--scope', '--quiet', '--collect',
      `--unit=${placement.unitPrefix}-${daemonPid}-${serial}`,
      `--description=floatip guardian of floatipd (pid ${daemonPid})`,
      // Stopping the scope (shutdown) waits this long for the goodbye, no more: floatipd's own stop timeout is 60 s.
      '--property=TimeoutStopSec=65s',
      '--', command.execPath, ...command.args,
    ],
  };
}
