// RapidBlock list signatures (formats.md 4.11): `blocklist.json.sig` holds a base64 Ed25519
// signature (64 bytes, then CRLF) over the SHA-256 digest of the list's bytes with every `\r`
// removed; the publisher's key is a base64 raw 32-byte Ed25519 public key.
import type { KeyObject } from 'node:crypto';
import { nodeCrypto } from '../node-crypto.js';
import { FediblockError } from '../errors.js';

// DER SubjectPublicKeyInfo header for an Ed25519 key (OID 1.3.101.112); the raw key follows.
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function decodeBase64(text: string): Buffer | undefined {
  const t = text.replace(/[\r\n\t ]+/g, '');
  if (!BASE64.test(t) || t.length % 4 !== 0) return undefined;
  return Buffer.from(t, 'base64');
}

/** The Ed25519 public key from its base64 raw form; throws a FediblockError when malformed. */
export function rapidBlockPublicKey(publicKeyBase64: string): KeyObject {
  const raw = decodeBase64(publicKeyBase64);
  if (!raw || raw.length !== 32) {
    throw new FediblockError('verify_key is not a base64 Ed25519 public key (32 bytes)', {
      hint: 'Copy the publisher\'s key exactly, e.g. "WvnrPc+6PAQrB9iJPbg4m5lQghHY2Pf7hm7JK3A8JC4=".',
    });
  }
  return nodeCrypto().createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
}

/** The signed message: SHA-256 of the bytes with every CR removed. */
export function rapidBlockDigest(body: Uint8Array | string): Buffer {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  let stripped: Buffer = bytes;
  if (bytes.includes(0x0d)) {
    stripped = Buffer.allocUnsafe(bytes.length);
    let n = 0;
    for (const b of bytes) if (b !== 0x0d) stripped[n++] = b;
    stripped = stripped.subarray(0, n);
  }
  return nodeCrypto().createHash('sha256').update(stripped).digest();
}

/**
 * True when `signatureFileText` (the .sig file) is a valid signature of `body` by the key.
 * A malformed signature file is simply invalid (false); a malformed key throws FediblockError
 * (it is a config mistake, not a bad list).
 */
export function verifyRapidBlockSignature(body: Uint8Array | string, signatureFileText: string, publicKeyBase64: string): boolean {
  const key = rapidBlockPublicKey(publicKeyBase64);
  const sig = decodeBase64(signatureFileText.trim());
  if (!sig || sig.length !== 64) return false;
  try {
    return nodeCrypto().verify(null, rapidBlockDigest(body), key, sig);
  } catch {
    return false;
  }
}
