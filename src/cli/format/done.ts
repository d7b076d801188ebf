// Output of commands that change something and answer only "done, and what happened".

import { DoneResult } from '../../protocol/control-results';
import { expectRecord } from './shape';

export function formatDone(result: unknown, what: string): string {
  const done = expectRecord<DoneResult>(result, what, ['done', 'message']);
  return done.message === '' ? 'Done\n' : `${done.message.replace(/\n+$/, '')}\n`;
}
