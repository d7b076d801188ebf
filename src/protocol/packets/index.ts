// The packet builders and readers, in one import for adapters.

export * from './checksum';
export * from './mac';
export * from './ethernet';
export * from './errors';
export * from './arp';
export * from './neighbor-advert';
export * from './neighbor-solicit';
export * from './tcp';
export * from './decode';
