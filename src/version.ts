// Kept in step with package.json by a test, so `--version` never needs to read package.json at start-up.
export const VERSION = '0.1.0';
