// The shape of a CLI command: parsed argv in, exit code out, all I/O through `CliIo`.

/** Everything a command may touch, so tests can run commands without a terminal. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Reads all of standard input as text. */
  readonly readStdin: () => Promise<string>;
  /** Reads a file as text (for --case and similar). */
  readonly readFile: (path: string) => Promise<string>;
}

export interface Command {
  readonly name: string;
  /** One line for `floatip --help`. */
  readonly summary: string;
  /** Full usage text for `floatip NAME --help`. */
  readonly usage: string;
  run(args: readonly string[], io: CliIo): Promise<number>;
}

/** Exit codes shared by every command. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
/** floatipd could not be reached (not running, no permission, no answer in time). */
export const EXIT_UNREACHABLE = 3;
