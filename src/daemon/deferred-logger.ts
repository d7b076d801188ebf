// A Logger made on first use (or when asked to load): for a process whose start must not wait for its logging library.
//
// The guardian (guardian-main.ts) is what a restarted node waits for before it may host: until
// its ready line the node is unguarded and hosts nothing. pino was a third of the guardian's
// module loading, yet the guardian logs nothing on a normal start; it loads it once it is ready.

import { LogFields, Logger } from './runtime/logger';

export class DeferredLogger implements Logger {
  private made: Logger | undefined;

  constructor(private readonly make: () => Logger) {}

  /** Makes the logger now (and its parents), so a later line does not wait for it. */
  load(): void {
    this.made ??= this.make();
  }

  private get log(): Logger {
    this.load();
    return this.made as Logger;
  }

  debug(fields: LogFields, message: string): void {
    this.log.debug(fields, message);
  }

  info(fields: LogFields, message: string): void {
    this.log.info(fields, message);
  }

  warn(fields: LogFields, message: string): void {
    this.log.warn(fields, message);
  }

  error(fields: LogFields, message: string): void {
    this.log.error(fields, message);
  }

  /** A deferred child: made from this logger when it is first used. */
  child(bindings: LogFields): DeferredLogger {
    return new DeferredLogger(() => this.log.child(bindings));
  }
}
