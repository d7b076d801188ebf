// Which line of `nodes` this host is: node.pnn/node.address from floatip.toml, else the line whose address is on a local interface.

import { FloatipConfig } from '../../config';
import { ClusterNode } from '../../config/nodes-file';
import { IpAddress } from '../../core/ip';

export class LocalNodeError extends Error {
  constructor(readonly code: 'E_LOCAL_NODE_NONE' | 'E_LOCAL_NODE_AMBIGUOUS', message: string) {
    super(message);
    this.name = 'LocalNodeError';
  }
}

/**
 * The configuration with `node.pnn`, `node.address` and `node.bind_address` filled in.
 * The loader has already resolved an explicit node.pnn or node.address; otherwise, as
 * CTDB does, the node is the one live line of `nodes` configured on this host.
 */
export function withLocalNode(config: FloatipConfig, localAddresses: readonly IpAddress[], nodesFile: string): FloatipConfig {
  if (config.node.pnn !== undefined) return config;
  const local = new Set(localAddresses.map((a) => a.text));
  const mine = config.nodes.filter((n): n is ClusterNode & { address: IpAddress } => !n.deleted && n.address !== null && local.has(n.address.text));
  if (mine.length === 0) {
    throw new LocalNodeError('E_LOCAL_NODE_NONE', `none of the addresses in ${nodesFile} is configured on this host, so floatipd cannot tell `
      + 'which node it is: configure this node\'s private address on an interface, or set node.pnn (or node.address) in floatip.toml');
  }
  if (mine.length > 1) {
    throw new LocalNodeError('E_LOCAL_NODE_AMBIGUOUS', `this host carries several addresses of ${nodesFile} `
      + `(${mine.map((n) => `node ${n.pnn} = ${n.address.text}`).join(', ')}): set node.pnn in floatip.toml to say which node it is`);
  }
  const self = mine[0];
  return { ...config, node: { ...config.node, pnn: self.pnn, address: self.address, bind_address: config.node.bind_address ?? self.address } };
}
