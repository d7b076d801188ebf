// Configuration problems as values: a stable code, where (file, line, key), what is wrong and what to do.

/** Stable codes, one per kind of problem, for scripts and tests to match on. */
export type ConfigIssueCode =
  | 'E_CONFIG_FILE_NOT_FOUND'
  | 'E_CONFIG_FILE_UNREADABLE'
  | 'E_CONFIG_SYNTAX'
  | 'E_CONFIG_UNKNOWN_KEY'
  | 'E_CONFIG_TYPE'
  | 'E_CONFIG_RANGE'
  | 'E_CONFIG_VALUE'
  | 'E_CONFIG_CONFLICT'
  | 'E_NODES_ADDRESS'
  | 'E_NODES_DUPLICATE'
  | 'E_NODES_EMPTY'
  | 'E_NODE_SELF'
  | 'E_PUBLIC_SYNTAX'
  | 'E_PUBLIC_ADDRESS'
  | 'E_PUBLIC_INTERFACE'
  | 'E_PUBLIC_DUPLICATE'
  | 'E_PUBLIC_PRIVATE'
  | 'E_KEY_FILE'
  | 'E_SCRIPT_OPTIONS'
  | 'W_SCRIPT_OPTIONS'
  | 'W_CONFIG_ADVICE'
  | 'W_PUBLIC_INTERFACE_MISSING';

/** One problem found while loading. `line` is 1-based; `key` is the dotted TOML key when there is one. */
export interface ConfigIssue {
  readonly code: ConfigIssueCode;
  readonly file: string;
  readonly line?: number;
  readonly key?: string;
  readonly message: string;
}

/** `file:line: key: message`, leaving out the parts the issue does not have. */
export function formatIssue(issue: ConfigIssue): string {
  const where = issue.line !== undefined ? `${issue.file}:${issue.line}` : issue.file;
  const key = issue.key !== undefined ? `${issue.key}: ` : '';
  return `${where}: ${key}${issue.message}`;
}

/**
 * Thrown by callers that cannot go on without a configuration (the daemon at start).
 * Carries every issue, so the operator fixes them all in one round.
 */
export class ConfigError extends Error {
  readonly code = 'E_CONFIG_INVALID';
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
    super(`configuration not applied, ${count} to fix:\n${issues.map((i) => `  ${formatIssue(i)}`).join('\n')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}
