import { describe, expect, it } from 'vitest';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { verifyRapidBlockSignature } from '../../src/sources/verify-signature.js';
import { FediblockError } from '../../src/errors.js';

const { publicKey, privateKey } = generateKeyPairSync('ed25519');
// Raw 32-byte key = the last 32 bytes of the SPKI DER, as RapidBlock publishes it (base64).
const rawKey = publicKey.export({ type: 'spki', format: 'der' }).subarray(-32).toString('base64');
const signFile = (bytes: Buffer): string =>
  sign(null, createHash('sha256').update(Buffer.from(bytes.filter((b) => b !== 0x0d))).digest(), privateKey).toString('base64') + '\r\n';

const lf = '{\n  "@spec": "https://rapidblock.org/spec/v1/",\n  "blocks": {"bad.example": {"isBlocked": true}}\n}\n';
const crlf = lf.replace(/\n/g, '\r\n');

describe('verifyRapidBlockSignature', () => {
  it('verifies a signature made over the LF file, from string or bytes', () => {
    const sig = signFile(Buffer.from(lf));
    expect(verifyRapidBlockSignature(lf, sig, rawKey)).toBe(true);
    expect(verifyRapidBlockSignature(new Uint8Array(Buffer.from(lf)), sig, rawKey)).toBe(true);
  });

  it('gives the same answer for CRLF and LF bodies (CRs are removed)', () => {
    const sigFromCrlf = signFile(Buffer.from(crlf));
    expect(verifyRapidBlockSignature(crlf, sigFromCrlf, rawKey)).toBe(true);
    expect(verifyRapidBlockSignature(lf, sigFromCrlf, rawKey)).toBe(true);
    expect(verifyRapidBlockSignature(Buffer.from(crlf), signFile(Buffer.from(lf)), rawKey)).toBe(true);
  });

  it('rejects a tampered body, another key, and a malformed signature', () => {
    const sig = signFile(Buffer.from(lf));
    expect(verifyRapidBlockSignature(lf.replace('bad.example', 'good.example'), sig, rawKey)).toBe(false);
    expect(verifyRapidBlockSignature(lf + ' ', sig, rawKey)).toBe(false);
    const other = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'der' }).subarray(-32).toString('base64');
    expect(verifyRapidBlockSignature(lf, sig, other)).toBe(false);
    expect(verifyRapidBlockSignature(lf, 'not base64!', rawKey)).toBe(false);
    expect(verifyRapidBlockSignature(lf, Buffer.alloc(32).toString('base64'), rawKey)).toBe(false);
    expect(verifyRapidBlockSignature(lf, '', rawKey)).toBe(false);
  });

  it('throws a FediblockError for a key that is not 32 base64 bytes', () => {
    const sig = signFile(Buffer.from(lf));
    expect(() => verifyRapidBlockSignature(lf, sig, 'abc')).toThrow(FediblockError);
    expect(() => verifyRapidBlockSignature(lf, sig, Buffer.alloc(33).toString('base64'))).toThrow(/32 bytes/);
  });

  it('accepts the published rapidblock.org key shape', () => {
    // formats.md 4.11: a well-formed key, so no throw; a random signature does not verify.
    expect(verifyRapidBlockSignature(lf, Buffer.alloc(64).toString('base64'), 'WvnrPc+6PAQrB9iJPbg4m5lQghHY2Pf7hm7JK3A8JC4=')).toBe(false);
  });
});
