// One request line in, one reply line out: decode, call the handler, map its outcome to a reply. Never throws.

import { JsonValue, decodeRequest, encodeReply, errorReply } from '../../protocol/control';
import { Logger } from '../runtime/logger';
import { DaemonApi, DaemonApiError } from './api';
import { HandlerTable } from './handlers';

export interface DispatchContext {
  readonly api: DaemonApi;
  readonly handlers: HandlerTable;
  readonly logger: Logger;
  readonly maxReplyBytes: number;
}

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export async function dispatchLine(line: string, context: DispatchContext): Promise<string> {
  const decoded = decodeRequest(line);
  if (!decoded.ok) {
    context.logger.info({ code: decoded.error.code, field: decoded.error.field ?? null }, 'control request refused');
    return encodeReply(errorReply(decoded.id, decoded.error));
  }
  const { id, command } = decoded.request;
  const handler = context.handlers[command] as (api: DaemonApi, args: unknown) => unknown;
  try {
    const result = await handler(context.api, decoded.request.args);
    // JSON has no undefined: a handler with nothing to say answers null.
    const text = encodeReply({ id, ok: true, result: (result ?? null) as JsonValue });
    if (Buffer.byteLength(text) > context.maxReplyBytes) {
      context.logger.warn({ command, bytes: Buffer.byteLength(text), limit: context.maxReplyBytes }, 'control reply too large');
      return encodeReply(errorReply(id, {
        code: 'E_CONTROL_REPLY_TOO_LARGE',
        message: `the answer to ${command} is larger than ${context.maxReplyBytes} bytes: ask for less (e.g. history -l N)`,
      }));
    }
    return text;
  } catch (err) {
    if (err instanceof DaemonApiError) {
      context.logger.info({ command, code: err.code }, `control command refused: ${err.message}`);
      return encodeReply(errorReply(id, { code: err.code, message: err.message }));
    }
    context.logger.error({ command, err: errorText(err), stack: err instanceof Error ? err.stack : undefined },
      'control handler failed');
    return encodeReply(errorReply(id, {
      code: 'E_INTERNAL',
      message: `floatipd failed on ${command} (${errorText(err)}): this is a bug; the daemon log has the details`,
    }));
  }
}
