// `floatip uptime`: when floatipd started and when the last takeover run happened (like `ctdb uptime`).

import { UptimeResult } from '../../protocol/control-results';
import { expectPositionals } from '../args';
import { ControlCommandSpec } from '../control-command';
import { expectRecord } from '../format/shape';
import { ctdbUptimeX } from '../../protocol/ctdb-x';
import { formatUptime } from '../format/uptime';
import { MACHINE_OPTION, MACHINE_USAGE, machineReadable } from './machine-option';

export const uptimeSpec: ControlCommandSpec<'uptime'> = {
  name: 'uptime',
  summary: 'show when floatipd started and when the last takeover run was',
  usage: `usage: floatip uptime [-X] [--json]

Shows the current time, when floatipd started, and the time and duration of the last takeover run.
${MACHINE_USAGE} (CTDB's last machine-readable uptime: epoch seconds)`,
  options: [MACHINE_OPTION],
  request(parsed) {
    machineReadable(parsed);
    expectPositionals(parsed, 0, 0, '');
    return { command: 'uptime', args: {} };
  },
  format(result, { nowMs, parsed }) {
    const uptime = expectRecord<UptimeResult>(result, 'uptime', ['startedAt', 'lastTakeoverAt', 'lastTakeoverMs']);
    return machineReadable(parsed) ? ctdbUptimeX(uptime, nowMs) : formatUptime(uptime, nowMs);
  },
};
