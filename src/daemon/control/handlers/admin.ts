// Handlers of the admin verbs: disable, enable, stop, continue, ban, unban (on this node or -n PNN).

import { Handler } from './handler';

export const disable: Handler<'disable'> = (api, args) => api.admin('disable', args.pnn);
export const enable: Handler<'enable'> = (api, args) => api.admin('enable', args.pnn);
export const stop: Handler<'stop'> = (api, args) => api.admin('stop', args.pnn);
// `continue` is a reserved word, hence the suffix.
export const continueNode: Handler<'continue'> = (api, args) => api.admin('continue', args.pnn);
export const ban: Handler<'ban'> = (api, args) => api.admin('ban', args.pnn, args.seconds);
export const unban: Handler<'unban'> = (api, args) => api.admin('unban', args.pnn);
