// Logs the public addresses whose interfaces this node lacks, from the kernel's link list: at start, on SIGHUP and on reloadips.
//
// The rule is pure (config/interface-presence.ts); this is the impure half that asks the
// kernel which interfaces exist. A warning, never a refusal: the interface may come later.

import { PublicAddress } from '../../core/address';
import { formatIssue, missingInterfaceWarnings } from '../../config';
import { LinkPort } from '../../adapters/netlink/port';
import { Logger } from '../runtime/logger';

/** The names of the interfaces the kernel has now. */
export async function existingInterfaces(links: LinkPort): Promise<ReadonlySet<string>> {
  return new Set((await links.listLinks()).map((link) => link.name));
}

/** Where the names come from: the kernel (existingInterfaces) in the daemon, a set in tests. */
export type InterfaceNames = () => Promise<ReadonlySet<string>>;

/** One warning line per public_addresses line naming an interface that does not exist here; never throws. */
export async function logMissingInterfaces(names: InterfaceNames, file: string, addresses: readonly PublicAddress[], lines: readonly number[],
  log: Logger): Promise<void> {
  let existing: ReadonlySet<string>;
  try {
    existing = await names();
  } catch (error) {
    log.warn({}, `cannot list this node's interfaces to check ${file} (${error instanceof Error ? error.message : String(error)}): `
      + 'an interface that does not exist is not reported; `floatip ifaces` shows it as missing');
    return;
  }
  for (const warning of missingInterfaceWarnings(file, addresses, lines, existing)) {
    log.warn({ code: warning.code }, formatIssue(warning));
  }
}
