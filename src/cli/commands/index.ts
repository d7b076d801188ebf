// The command table of `floatip`: one entry per verb, each in its own file.

import { Command } from '../command';
import { labCommand } from './lab';
import { ipallocCommand } from './ipalloc';

export const commands: readonly Command[] = [labCommand, ipallocCommand];
