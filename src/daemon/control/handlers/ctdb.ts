// Handler of the `ctdb` stand-in's one command: CTDB's argv and standard input, answered as ctdb would.

import { Handler } from './handler';

export const ctdbTool: Handler<'ctdb-tool'> = (api, args) => api.ctdbTool(args.argv, args.stdin ?? '');
