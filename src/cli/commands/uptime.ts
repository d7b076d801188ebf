// `floatip uptime`: when floatipd started and when the last takeover run happened (like `ctdb uptime`).

import { UptimeResult } from '../../protocol/control-results';
import { expectPositionals } from '../args';
import { ControlCommandSpec } from '../control-command';
import { expectRecord } from '../format/shape';
import { formatUptime } from '../format/uptime';

export const uptimeSpec: ControlCommandSpec<'uptime'> = {
  name: 'uptime',
  summary: 'show when floatipd started and when the last takeover run was',
  usage: `usage: floatip uptime [--json]

Shows the current time, when floatipd started, and the time and duration of the last takeover run.`,
  request(parsed) {
    expectPositionals(parsed, 0, 0, '');
    return { command: 'uptime', args: {} };
  },
  format: (result, { nowMs }) => formatUptime(expectRecord<UptimeResult>(result, 'uptime', ['startedAt', 'lastTakeoverAt', 'lastTakeoverMs']), nowMs),
};
