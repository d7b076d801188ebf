// Lines of CTDB's plain-text files (nodes, public_addresses), split the way Samba's file_lines_load does.

export interface NumberedLine {
  /** 1-based line number, for messages. */
  readonly number: number;
  readonly text: string;
}

/**
 * Splits on `\n`; a `\r` ends its line (so CRLF files read like LF files, as in
 * Samba); a missing newline after the last line is fine. Empty lines stay in,
 * so that line numbers in messages match the file; the readers skip them.
 */
export function fileLines(content: string): NumberedLine[] {
  return content.split('\n').map((raw, i) => {
    const cr = raw.indexOf('\r');
    return { number: i + 1, text: cr < 0 ? raw : raw.slice(0, cr) };
  });
}

/** CTDB strips only spaces and tabs around a line, not other white space. */
export function trimBlanks(text: string): string {
  return text.replace(/^[ \t]+|[ \t]+$/g, '');
}
