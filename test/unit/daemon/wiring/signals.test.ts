// Signals of floatipd: one stop however many signals, reloads one at a time, unhandled errors go to fatal.

import { EventEmitter } from 'node:events';
import { installSignalHandlers } from '../../../../src/daemon/wiring/signals';
import { recordingLogger } from '../runtime/harness/recording-logger';

function setup() {
  const source = new EventEmitter();
  const calls: string[] = [];
  let finishReload: () => void = () => undefined;
  const uninstall = installSignalHandlers(source, {
    stop: (signal) => calls.push(`stop ${signal}`),
    reload: () => { calls.push('reload'); return new Promise<void>((resolve) => { finishReload = resolve; }); },
    fatal: (error, origin) => calls.push(`fatal ${origin} ${(error as Error).message}`),
  }, recordingLogger());
  return { source, calls, uninstall, finishReload: () => finishReload() };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('installSignalHandlers', () => {
  test('SIGTERM then SIGINT: one stop; SIGHUP while stopping is ignored', () => {
    const { source, calls } = setup();
    source.emit('SIGTERM');
    source.emit('SIGINT');
    source.emit('SIGHUP');
    expect(calls).toEqual(['stop SIGTERM']);
  });

  test('SIGHUPs during a reload make one more reload afterwards, not one each', async () => {
    const s = setup();
    s.source.emit('SIGHUP');
    s.source.emit('SIGHUP');
    s.source.emit('SIGHUP');
    expect(s.calls).toEqual(['reload']);
    s.finishReload();
    await settle();
    expect(s.calls).toEqual(['reload', 'reload']);
    s.finishReload();
    await settle();
    expect(s.calls).toEqual(['reload', 'reload']);
  });

  test('uncaught exceptions and rejections go to fatal; uninstall removes every handler', () => {
    const { source, calls, uninstall } = setup();
    source.emit('uncaughtException', new Error('boom'));
    source.emit('unhandledRejection', new Error('lost'));
    expect(calls).toEqual(['fatal uncaughtException boom', 'fatal unhandledRejection lost']);
    uninstall();
    for (const event of ['SIGTERM', 'SIGINT', 'SIGHUP', 'uncaughtException', 'unhandledRejection']) expect(source.listenerCount(event)).toBe(0);
  });
});
