// Just enough DER to read two fields acme-client does not expose: the Authority Key Identifier
// and the serial number's exact bytes (RFC 9773 builds the ARI certificate id from both).

interface Tlv {
  tag: number;
  /** Offset of the value. */
  start: number;
  end: number;
}

function readTlv(der: Buffer, offset: number): Tlv {
  const tag = der[offset]!;
  let length = der[offset + 1]!;
  let start = offset + 2;
  if (length & 0x80) {
    const bytes = length & 0x7f;
    length = 0;
    for (let i = 0; i < bytes; i++) length = length * 256 + der[start + i]!;
    start += bytes;
  }
  if (start + length > der.length) throw new Error('truncated DER');
  return { tag, start, end: start + length };
}

function children(der: Buffer, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = parent.start; at < parent.end; ) {
    const tlv = readTlv(der, at);
    out.push(tlv);
    at = tlv.end;
  }
  return out;
}

const AKI_OID = Buffer.from([0x55, 0x1d, 0x23]);

/** Serial number bytes exactly as encoded (a leading 0x00 kept) and the AKI keyIdentifier. */
export function ariParts(certDer: Buffer): { serial: Buffer; keyIdentifier: Buffer | null } {
  const cert = readTlv(certDer, 0);
  const tbs = children(certDer, cert)[0]!;
  const fields = children(certDer, tbs);
  const hasVersion = fields[0]!.tag === 0xa0;
  const serialTlv = fields[hasVersion ? 1 : 0]!;
  const serial = certDer.subarray(serialTlv.start, serialTlv.end);
  const extensionsWrapper = fields.find((f) => f.tag === 0xa3);
  let keyIdentifier: Buffer | null = null;
  if (extensionsWrapper) {
    const list = children(certDer, extensionsWrapper)[0]!;
    for (const ext of children(certDer, list)) {
      const parts = children(certDer, ext);
      const oid = certDer.subarray(parts[0]!.start, parts[0]!.end);
      if (!oid.equals(AKI_OID)) continue;
      const octets = parts[parts.length - 1]!;
      const aki = readTlv(certDer, octets.start);
      const keyId = children(certDer, aki).find((t) => t.tag === 0x80);
      if (keyId) keyIdentifier = Buffer.from(certDer.subarray(keyId.start, keyId.end));
    }
  }
  return { serial: Buffer.from(serial), keyIdentifier };
}
