// A Logger that keeps every line, for assertions on what the runtime said.

import { LogFields, Logger } from '../../../../../src/daemon/runtime/logger';

export interface LogLine {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly fields: LogFields;
  readonly message: string;
}

export function recordingLogger(lines: LogLine[] = [], bindings: LogFields = {}): Logger & { lines: LogLine[] } {
  const write = (level: LogLine['level']) => (fields: LogFields, message: string): void => {
    lines.push({ level, fields: { ...bindings, ...fields }, message });
  };
  return {
    lines,
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    child: (more) => recordingLogger(lines, { ...bindings, ...more }),
  };
}
