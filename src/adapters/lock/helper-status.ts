// CTDB's mutex-helper status byte (doc/cluster_mutex_helper.txt): what the helper's first output character means.

/**
 * `held` ('0'): the helper holds the mutex and keeps running until SIGTERM.
 * `contended` ('1'), `timeout` ('2'), `failed` ('3'). Anything else breaks the protocol.
 */
export type HelperStatus = 'held' | 'contended' | 'timeout' | 'failed' | 'invalid';

export function helperStatus(firstByte: number): HelperStatus {
  switch (firstByte) {
    case 0x30: return 'held';
    case 0x31: return 'contended';
    case 0x32: return 'timeout';
    case 0x33: return 'failed';
    default: return 'invalid';
  }
}

/** The byte as the user would write it in a message: '0' or 0x0a. */
export function describeByte(byte: number): string {
  return byte >= 0x20 && byte < 0x7f ? `'${String.fromCharCode(byte)}'` : `0x${byte.toString(16).padStart(2, '0')}`;
}
