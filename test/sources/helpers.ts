import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../fixtures/', import.meta.url));

/** A fixture's text, as fetched bytes would be decoded (UTF-8, BOM kept). */
export const fixture = (name: string): string => readFileSync(`${root}lists/${name}`, 'utf8');
export const oliphant = (name: string): string => readFileSync(`${root}oliphant-2024-01-21/${name}`, 'utf8');
