// Ethernet MAC addresses as values: parse, print, and the broadcast and IPv6 all-nodes addresses.

/** Six bytes, network order; text is lower-case colon-separated hex. */
export interface MacAddress {
  readonly bytes: Uint8Array;
  readonly text: string;
}

export type ParsedMac = { ok: true; value: MacAddress } | { ok: false; error: string };

function fromBytes(bytes: Uint8Array): MacAddress {
  const copy = Uint8Array.from(bytes);
  const text = Array.from(copy, (b) => b.toString(16).padStart(2, '0')).join(':');
  return { bytes: copy, text };
}

/** The MAC address held in six bytes (for what the kernel reports). */
export function macFromBytes(bytes: Uint8Array): MacAddress {
  if (bytes.length !== 6) throw new RangeError(`a MAC address has 6 bytes, not ${bytes.length}`);
  return fromBytes(bytes);
}

/** Parses `aa:bb:cc:dd:ee:ff` (or with `-`), any case. */
export function parseMac(text: string): ParsedMac {
  const parts = text.split(/[:-]/);
  if (parts.length !== 6 || !parts.every((p) => /^[0-9a-fA-F]{2}$/.test(p))) {
    return { ok: false, error: `${text} is not a MAC address (write six hex pairs, e.g. 02:00:00:00:00:01)` };
  }
  return { ok: true, value: fromBytes(Uint8Array.from(parts, (p) => parseInt(p, 16))) };
}

/** Parses a MAC literal, throwing on bad input: for code and tests, never for user input. */
export function mac(text: string): MacAddress {
  const parsed = parseMac(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
}

export const BROADCAST_MAC: MacAddress = fromBytes(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]));

/** ff02::1 mapped to Ethernet (RFC 2464 section 7: 33:33 and the low 32 bits of the group). */
export const ALL_NODES_MAC: MacAddress = fromBytes(new Uint8Array([0x33, 0x33, 0, 0, 0, 1]));
