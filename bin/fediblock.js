#!/usr/bin/env node
// Start-up is most of a small merge. Node 22.1+ can keep the compiled bundle on disk between runs
// (module.enableCompileCache, in the OS temp dir; NODE_DISABLE_COMPILE_CACHE=1 turns it off);
// Node 20 has no such cache and starts as before. The bundle is imported only after the cache is
// on, hence the dynamic import.
import module from 'node:module';

module.enableCompileCache?.();
await import('../dist/bundle/cli.js');
