// `floatip wait-ok`: wait until this node is OK, in the quorate partition and hosting what the last run gave it (rolling restarts).
//
// It asks floatipd's `status` every POLL_MS and reads its `readiness` (core/readiness.ts: the
// daemon decides, the CLI only waits). A daemon that does not answer yet (it is starting) is
// asked again, so `systemctl start floatip && floatip wait-ok` and an ExecStartPost both work.

import { ControlCallError } from '../../client/control-client';
import { ReadinessStatus, StatusResult } from '../../protocol/control-results';
import { expectPositionals, parseArgs, parseWholeNumber } from '../args';
import { CliIo, Command, EXIT_FAILED, EXIT_OK, EXIT_UNREACHABLE } from '../command';
import { DEFAULT_CALL_TIMEOUT_MS, SHARED_OPTIONS, SHARED_USAGE } from '../control-command';
import { CliDeps } from '../deps';
import { expectRecord } from '../format/shape';
import { resolveSocketPath } from '../socket-path';

const POLL_MS = 100;
const DEFAULT_TIMEOUT_S = 60;
const MAX_TIMEOUT_S = 86_400;

const USAGE = `usage: floatip wait-ok [--timeout S] [--json]

Waits until this node is OK (no flag), in the quorate partition, and hosting what the last
takeover run gave it; exits 0 then. A rolling restart or upgrade restarts the next node only
after this returned 0 on the last one (docs/operations.md). floatipd is asked every ${POLL_MS} ms;
one that does not answer yet (starting) is asked again.
  --timeout S     give up after S seconds (default ${DEFAULT_TIMEOUT_S}): exit 1 with the reason the node is
                  not ready, or 3 when floatipd never answered`;

/** What the last answer said, for the message on timeout. */
type LastWord =
  | { readonly kind: 'none' }
  | { readonly kind: 'unreachable'; readonly error: ControlCallError }
  | { readonly kind: 'status'; readonly pnn: number; readonly readiness: ReadinessStatus };

function readinessOf(result: unknown): { pnn: number; readiness: ReadinessStatus } {
  const status = expectRecord<StatusResult>(result, 'status', ['pnn']);
  if (status.readiness === undefined) {
    throw new ControlCallError('E_TOO_OLD', 'this floatipd does not report readiness (it predates wait-ok): upgrade it, or wait with `floatip status`');
  }
  return { pnn: status.pnn, readiness: expectRecord<ReadinessStatus>(status.readiness, 'readiness', ['ready', 'rule', 'reason']) };
}

export function waitOkCommand(deps: CliDeps): Command {
  return {
    name: 'wait-ok',
    summary: 'wait until this node is OK, quorate and hosting its share (rolling restarts)',
    usage: `${USAGE}\n${SHARED_USAGE}`,
    async run(args: readonly string[], io: CliIo): Promise<number> {
      const parsed = parseArgs(args, [{ name: '--timeout', takesValue: true, valueName: 'S' }, ...SHARED_OPTIONS]);
      expectPositionals(parsed, 0, 0, '');
      const timeoutText = parsed.values.get('--timeout');
      const timeoutMs = (timeoutText === undefined ? DEFAULT_TIMEOUT_S : parseWholeNumber(timeoutText, '--timeout', 0, MAX_TIMEOUT_S)) * 1000;
      const warn = (line: string): void => io.stderr(`floatip wait-ok: ${line}\n`);
      const socketPath = await resolveSocketPath(parsed.values.get('--socket'), { env: deps.env, readFile: io.readFile, warn });
      const json = parsed.flags.has('--json');
      const started = deps.monotonicMs();
      const elapsed = (): number => deps.monotonicMs() - started;
      let last: LastWord = { kind: 'none' };
      for (;;) {
        try {
          const answer = readinessOf(await deps.connect(socketPath).call('status', {}, Math.min(DEFAULT_CALL_TIMEOUT_MS, Math.max(POLL_MS, timeoutMs - elapsed()))));
          last = { kind: 'status', ...answer };
          if (answer.readiness.ready) {
            const waitedMs = Math.round(elapsed());
            io.stdout(json ? `${JSON.stringify({ pnn: answer.pnn, ready: true, waitedMs, reason: answer.readiness.reason }, null, 2)}\n`
              : `node ${answer.pnn} is OK: ${answer.readiness.reason} (waited ${(waitedMs / 1000).toFixed(1)} s)\n`);
            return EXIT_OK;
          }
        } catch (error) {
          if (!(error instanceof ControlCallError)) throw error;
          // A refusal by a running daemon will not change by waiting; an unreachable one may be starting.
          if (error.fromDaemon) {
            warn(`${error.message} [${error.code}]`);
            return EXIT_FAILED;
          }
          last = { kind: 'unreachable', error };
        }
        if (elapsed() >= timeoutMs) break;
        await deps.sleep(Math.min(POLL_MS, Math.max(0, timeoutMs - elapsed())));
      }
      const seconds = timeoutMs / 1000;
      if (last.kind === 'status') {
        if (json) io.stdout(`${JSON.stringify({ pnn: last.pnn, ready: false, rule: last.readiness.rule, reason: last.readiness.reason }, null, 2)}\n`);
        warn(`node ${last.pnn} not OK after ${seconds} s: ${last.readiness.reason} [${last.readiness.rule}]`);
        return EXIT_FAILED;
      }
      warn(`floatipd did not answer within ${seconds} s${last.kind === 'unreachable' ? `: ${last.error.message} [${last.error.code}]` : ''}`);
      return EXIT_UNREACHABLE;
    },
  };
}
