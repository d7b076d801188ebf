// The shape of a control handler: a command's checked arguments in, the DaemonApi call's result out.

import { CommandArgs, CommandName } from '../../../protocol/control';
import { DaemonApi } from '../api';

/**
 * Returns what goes into the reply's `result` (a value JSON.stringify can
 * write); throws DaemonApiError to refuse. Handlers hold no state and do no I/O
 * of their own: everything goes through the api.
 */
export type Handler<C extends CommandName> = (api: DaemonApi, args: CommandArgs[C]) => unknown;

export type HandlerTable = { readonly [C in CommandName]: Handler<C> };
