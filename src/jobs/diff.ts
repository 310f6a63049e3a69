export { runDiff } from './sync.js';
