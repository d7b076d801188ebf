// The handler of every control command: the table the control server dispatches on.
//
// Typed over CommandName, so a command added to protocol/control.ts without a handler
// does not compile.

import * as admin from './admin';
import * as addresses from './addresses';
import * as cluster from './cluster';
import * as ctdb from './ctdb';
import * as events from './events';
import * as nodes from './nodes';
import { HandlerTable } from './handler';

export type { Handler, HandlerTable } from './handler';

export const HANDLERS: HandlerTable = {
  status: cluster.status,
  ip: addresses.ip,
  ifaces: addresses.ifaces,
  disable: admin.disable,
  enable: admin.enable,
  stop: admin.stop,
  continue: admin.continueNode,
  ban: admin.ban,
  unban: admin.unban,
  moveip: addresses.moveip,
  addip: addresses.addip,
  delip: addresses.delip,
  reloadips: addresses.reloadips,
  reloadnodes: nodes.reloadnodes,
  ipreallocate: addresses.ipreallocate,
  gratarp: addresses.gratarp,
  gettickles: addresses.gettickles,
  'event-status': events.eventStatus,
  'event-run': events.eventRun,
  'event-script': events.eventScript,
  leader: cluster.leader,
  listnodes: cluster.listnodes,
  ping: cluster.ping,
  uptime: cluster.uptime,
  history: cluster.history,
  'ctdb-tool': ctdb.ctdbTool,
};
