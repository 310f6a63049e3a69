// The config stage: blocklist.toml (or a FediBlockHole config) → LoadedConfig.
export { loadConfig } from './load-config.js';
export { resolveToken, defaultTokenVariable, fediBlockHoleTokenVariable, type TokenResult } from './resolve-token.js';
export { isFediBlockHoleConfig, translateFediBlockHole, FBH_KEYS, type FediBlockHoleTranslation, type FediBlockHoleRaw } from './fediblockhole.js';
export { migrateConfig } from './migrate.js';
export { parseDuration, parseSize } from './units.js';
export { checkNetworkUrl, classifyListUrl, type SourceLocation, type ListLocation } from './locations.js';
export { defaultCacheDir } from './resolve-config.js';
export { configSchema, SOURCE_FORMATS, OUTPUT_FORMATS, FORMAT_ALIASES, type SourceFormat, type OutputFormat, type RawConfig, type ConfigInput } from './schema.js';
export type {
  LoadedConfig,
  ConfigMode,
  SourceConfig,
  AllowlistConfig,
  DestinationConfig,
  DestinationStore,
  FediBlockHoleOptions,
  TokenSpec,
} from './types.js';
