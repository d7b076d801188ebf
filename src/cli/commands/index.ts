// The command table of `floatip`: one entry per verb, in the order `floatip --help` lists them.

import { Command } from '../command';
import { controlCommand } from '../control-command';
import { CliDeps } from '../deps';
import { continueSpec, disableSpec, enableSpec, stopSpec, unbanSpec } from './admin';
import { addipSpec } from './addip';
import { banSpec } from './ban';
import { cleanupCommand } from './cleanup';
import { configCommand } from './config';
import { versionCommand } from './version';
import { delipSpec } from './delip';
import { eventSpec } from './event';
import { gettickleSpec } from './gettickles';
import { gratarpSpec } from './gratarp';
import { historySpec } from './history';
import { ifacesSpec } from './ifaces';
import { importCtdbCommand } from './import-ctdb';
import { ipSpec } from './ip';
import { ipallocCommand } from './ipalloc';
import { keygenCommand } from './keygen';
import { ipreallocateSpec } from './ipreallocate';
import { labCommand } from './lab';
import { leaderSpec } from './leader';
import { listnodesSpec } from './listnodes';
import { moveipSpec } from './moveip';
import { nodestatusSpec } from './nodestatus';
import { pingSpec } from './ping';
import { reloadipsSpec } from './reloadips';
import { reloadnodesSpec } from './reloadnodes';
import { statusSpec } from './status';
import { uptimeSpec } from './uptime';
import { waitOkCommand } from './wait-ok';

/** Every command, bound to what it needs from outside; tests pass fakes. */
export function buildCommands(deps: CliDeps): readonly Command[] {
  const control = [
    statusSpec, ipSpec, ifacesSpec, disableSpec, enableSpec, stopSpec, continueSpec, banSpec, unbanSpec,
    moveipSpec, addipSpec, delipSpec, reloadipsSpec, reloadnodesSpec, ipreallocateSpec, gratarpSpec, gettickleSpec, eventSpec,
    leaderSpec, listnodesSpec, nodestatusSpec, pingSpec, uptimeSpec, historySpec,
  ].map((spec) => controlCommand(spec as Parameters<typeof controlCommand>[0], deps));
  return [...control, waitOkCommand(deps), cleanupCommand(deps), keygenCommand(), importCtdbCommand(), ipallocCommand, labCommand, configCommand(deps.env), versionCommand()];
}
