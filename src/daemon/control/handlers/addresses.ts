// Handlers of the public-address commands: ip, ifaces, moveip, addip, delip, reloadips, ipreallocate, gratarp, gettickles.

import { Handler } from './handler';

export const ip: Handler<'ip'> = (api, args) => api.ips(args.verbose ?? false, args.all === true ? 'all' : args.pnn ?? 'local');
export const ifaces: Handler<'ifaces'> = (api, args) => api.ifaces(args.pnn);
export const moveip: Handler<'moveip'> = (api, args) => api.moveIp(args.ip, args.pnn);
export const addip: Handler<'addip'> = (api, args) => api.addIp(args.prefix, args.ifaces);
export const delip: Handler<'delip'> = (api, args) => api.delIp(args.ip);
export const reloadips: Handler<'reloadips'> = (api, args) => api.reloadIps(args.nodes);
export const ipreallocate: Handler<'ipreallocate'> = (api, args) => api.ipReallocate(args.rebalance);
export const gratarp: Handler<'gratarp'> = (api, args) => api.gratArp(args.ip, args.iface);
export const gettickles: Handler<'gettickles'> = (api, args) => api.getTickles(args.ip);
