import * as msgpackrRequired from 'msgpackr';

/** msgpackr's structured-clone extensions: 0x69 names the value that follows, 0x70 points back at a named one. */
const SHARED_REFERENCE_TYPES = [0x69, 0x70] as const;

/**
 * Colyseus decodes clients' frames with msgpackr's default decoder, which also reads
 * msgpackr's structured-clone extensions. No Kismet client sends them, and with them a
 * few hundred bytes decode to one value reached by billions of paths (an array naming
 * the one below it twice, thirty levels down), which anything walking the payload walks
 * for minutes. A frame using them is refused as undecodable (counted, the connection
 * closed with Colyseus's 4002) before any actor sees it. msgpackr's extensions belong to
 * its module: Colyseus loads as an ES module and imports msgpackr's ES build, a copy apart
 * from the CommonJS one `require` gives, so both are told.
 */
export async function refuseSharedReferences(): Promise<void> {
  for (const msgpackr of [msgpackrRequired, await import('msgpackr')]) {
    for (const type of SHARED_REFERENCE_TYPES) {
      msgpackr.addExtension({
        type,
        unpack() {
          throw new Error(`msgpack extension 0x${type.toString(16)} (shared references) is refused`);
        },
      });
    }
  }
}
