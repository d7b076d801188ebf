// Handlers of the read-only cluster views: status, leader, listnodes, ping, uptime, history.

import { Handler } from './handler';

export const status: Handler<'status'> = (api) => api.status();
export const leader: Handler<'leader'> = (api) => api.leader();
export const listnodes: Handler<'listnodes'> = (api) => api.listNodes();
export const ping: Handler<'ping'> = (api) => api.ping();
export const uptime: Handler<'uptime'> = (api) => api.uptime();
export const history: Handler<'history'> = (api, args) => api.history(args.limit);
