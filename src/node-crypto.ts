// node:crypto on first use. Importing it builds Node's cipher and stream modules, ~4 ms of every
// start, and a merge of local lists never hashes anything (digests, cache keys and signatures
// are for obfuscated entries, remote lists and signed lists).
import { createRequire } from 'node:module';

let loaded: typeof import('node:crypto') | undefined;

export const nodeCrypto = (): typeof import('node:crypto') => (loaded ??= createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto'));

export const sha256Hex = (data: string | Uint8Array): string => nodeCrypto().createHash('sha256').update(data).digest('hex');
