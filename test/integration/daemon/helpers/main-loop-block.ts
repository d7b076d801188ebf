// Blocks one floatipd's main loop for a while from outside, through Node's inspector: no test mode in the daemon.
//
// SIGUSR1 opens the inspector of a Node process on 127.0.0.1:9229 (of the node's own
// namespace, so labs do not collide); Runtime.evaluate then runs a busy loop on the main
// thread only. Worker threads run on, as they would beside a long allocation or a big batch.

import { execFile } from 'node:child_process';

const CLIENT = `
const ms = Number(process.argv[1]);
const deadline = Date.now() + 10000;
async function target() {
  for (;;) {
    try { const list = await (await fetch('http://127.0.0.1:9229/json/list')).json(); return list[0].webSocketDebuggerUrl; }
    catch (error) { if (Date.now() > deadline) throw error; await new Promise((r) => setTimeout(r, 20)); }
  }
}
target().then((url) => {
  const ws = new WebSocket(url);
  ws.onopen = () => ws.send(JSON.stringify({ id: 1, method: 'Runtime.evaluate', params: {
    expression: '(() => { const s = performance.now(); while (performance.now() - s < ' + ms + ') {} return performance.now() - s; })()',
    returnByValue: true } }));
  ws.onmessage = (event) => {
    const reply = JSON.parse(event.data);
    if (reply.id !== 1) return;
    process.stdout.write(String(reply.result.result.value));
    ws.close();
  };
  ws.onerror = (error) => { console.error(String(error.message ?? error)); process.exit(1); };
}, (error) => { console.error(String(error)); process.exit(1); });
`;

/** Blocks the main loop of the process `pid` in `namespace` for `ms`; resolves with how long it was blocked (ms). */
export async function blockMainLoop(namespace: string, pid: number, ms: number): Promise<number> {
  process.kill(pid, 'SIGUSR1');
  return new Promise((resolve, reject) => {
    execFile('ip', ['netns', 'exec', namespace, process.execPath, '--no-warnings', '--experimental-websocket', '-e', CLIENT, String(ms)],
      { timeout: 20_000 }, (error, stdout, stderr) => {
        if (error) reject(new Error(`blocking the main loop of ${pid} failed: ${error.message} ${stderr}`));
        else resolve(Number(stdout));
      });
  });
}
