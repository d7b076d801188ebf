// `floatip ping`: is the local daemon answering, and how fast.

import { PingResult } from '../../protocol/control-results';
import { expectPositionals } from '../args';
import { ControlCommandSpec } from '../control-command';
import { expectRecord } from '../format/shape';
import { formatPing } from '../format/uptime';

export const pingSpec: ControlCommandSpec<'ping'> = {
  name: 'ping',
  summary: 'check that floatipd answers on this node',
  usage: `usage: floatip ping [--json]

Sends one request to floatipd and prints the round trip. Exits 3 when floatipd does not answer.`,
  request(parsed) {
    expectPositionals(parsed, 0, 0, '');
    return { command: 'ping', args: {} };
  },
  format: (result, { roundTripMs }) => formatPing(expectRecord<PingResult>(result, 'ping', ['pnn']), roundTripMs),
};
