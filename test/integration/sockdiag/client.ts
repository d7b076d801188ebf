// In the client namespace: opens connections to the given targets and reports each one's fate as a JSON line.

import * as net from 'node:net';

const targets: { host: string; port: number; count: number; localAddress: string }[] = JSON.parse(process.argv[2]);
let open = 0;
const total = targets.reduce((n, t) => n + t.count, 0);
const say = (line: object): void => { process.stdout.write(`${JSON.stringify(line)}\n`); };

for (const target of targets) {
  for (let i = 0; i < target.count; i++) {
    const socket = net.connect({ host: target.host, port: target.port, localAddress: target.localAddress });
    socket.on('connect', () => {
      open++;
      if (open === total) say({ ready: true });
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      say({ host: target.host, port: target.port, localPort: socket.localPort, error: error.code });
    });
    socket.resume();
  }
}
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
