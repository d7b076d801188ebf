// floatipd's signals and last-resort error handlers: SIGTERM/SIGINT stop, SIGHUP reloads, an unhandled error exits non-zero.

import { Logger } from '../runtime/logger';

export interface SignalActions {
  /** A planned stop; called once, later stop signals are only logged. */
  stop(signal: NodeJS.Signals): void;
  /** Reloads run one at a time; a SIGHUP during a reload runs one more afterwards. */
  reload(): Promise<void>;
  /** An error nobody handled: log it and end the process with a failure status (the guardian then removes the addresses). */
  fatal(error: unknown, origin: string): void;
}

/** The process-like object signals come from (process, or an EventEmitter in tests). */
export type SignalSource = Pick<NodeJS.EventEmitter, 'on' | 'off'>;

export function installSignalHandlers(source: SignalSource, actions: SignalActions, log: Logger): () => void {
  let stopping = false;
  let reloading: Promise<void> | undefined;
  let reloadAgain = false;

  const onStop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      log.warn({ signal }, `${signal} while stopping: already releasing the addresses, please wait`);
      return;
    }
    stopping = true;
    log.info({ signal }, `${signal}: stopping (releasing every public address first)`);
    actions.stop(signal);
  };
  const runReload = (): void => {
    reloading = actions.reload().catch((error: unknown) => actions.fatal(error, 'reload')).finally(() => {
      reloading = undefined;
      if (reloadAgain && !stopping) {
        reloadAgain = false;
        runReload();
      }
    });
  };
  const onHangup = (): void => {
    if (stopping) return;
    log.info({ signal: 'SIGHUP' }, 'SIGHUP: reloading the configuration');
    if (reloading) reloadAgain = true;
    else runReload();
  };
  const onTerm = (): void => onStop('SIGTERM');
  const onInt = (): void => onStop('SIGINT');
  const onException = (error: unknown): void => actions.fatal(error, 'uncaughtException');
  const onRejection = (error: unknown): void => actions.fatal(error, 'unhandledRejection');

  source.on('SIGTERM', onTerm);
  source.on('SIGINT', onInt);
  source.on('SIGHUP', onHangup);
  source.on('uncaughtException', onException);
  source.on('unhandledRejection', onRejection);
  return () => {
    source.off('SIGTERM', onTerm);
    source.off('SIGINT', onInt);
    source.off('SIGHUP', onHangup);
    source.off('uncaughtException', onException);
    source.off('unhandledRejection', onRejection);
  };
}
