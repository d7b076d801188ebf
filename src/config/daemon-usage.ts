// floatipd's --help text and the config path it falls back to: floatipd prints the text, and floatipd(8) is made from it.
//
// It lives in config, below the daemon, so the man page generator (config/man-pages.ts)
// reads the very text floatipd prints without importing the daemon.

export const DEFAULT_CONFIG_PATH = '/etc/floatip/floatip.toml';

export const DAEMON_USAGE = `usage: floatipd [--config PATH]

Runs the floatip daemon of this node: it joins the cluster named in the configuration
and hosts its share of the public addresses.

options:
  --config PATH   floatip.toml to read (default: $FLOATIP_CONFIG, else ${DEFAULT_CONFIG_PATH});
                  nodes and public_addresses are found through it
  --check-config  only check floatip.toml, nodes, public_addresses, the key file and
                  script.options: exit 0 when valid, 2 with every problem
                  (FILE:LINE: KEY: ...) otherwise; starts nothing (floatip config check)
  --help          this text
  --version       the floatip version

signals: SIGTERM/SIGINT stop (addresses move at once), SIGHUP reloads public_addresses and settings.
exit status: 0 stopped cleanly, 1 failed while running, 2 bad configuration or arguments.`;
