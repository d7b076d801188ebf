// Handler of the command that changes the node set: reloadnodes.

import { Handler } from './handler';

export const reloadnodes: Handler<'reloadnodes'> = (api) => api.reloadNodes();
