// A TCP mesh node in its own process, so a test can SIGKILL it: argv PNN COUNT FIRST PORT KEY_HEX.
// Prints "up N" for every peer-up and echoes every heartbeat back to its sender.

import { ip } from '../../../src/core/ip';
import { createTcpMesh } from '../../../src/adapters/peer/tcp-mesh';

// The last five arguments, whether it runs as `node file.ts ...` or `node -e ... -- ...`.
const [pnn, count, first, port, keyHex] = process.argv.slice(-5);
const nodes = Array.from({ length: Number(count) }, (_, n) => ({ pnn: n, address: ip(`127.0.0.${Number(first) + n}`) }));
const mesh = createTcpMesh({
  localPnn: Number(pnn), nodes, port: Number(port), clusterKey: Uint8Array.from(Buffer.from(keyHex, 'hex')), backoff: { initialMs: 20, maxMs: 200 },
});
mesh.subscribe((event) => {
  if (event.kind === 'peer-up') process.stdout.write(`up ${event.pnn}\n`);
  if (event.kind === 'message' && event.message.kind === 'heartbeat') mesh.send(event.from, { ...event.message, pnn: Number(pnn), partition: [Number(pnn)], heard: [] });
});
mesh.start().catch((error) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
