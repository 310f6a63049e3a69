// Garbage-collector setting for a run that keeps many destinations' requests in flight at once.
//
// Each request's objects live as long as the request (tens of milliseconds, more on a busy
// machine), so with 50 destinations × 4 requests in flight many of them are still alive at a
// scavenge. V8 then marks their allocation sites for pretenuring: from there on those objects are
// made directly in the old generation, where they pile up as garbage until a full collection.
// Measured (bench case 5, 50 instances × 200 creates, Node 20): peak RSS 126–193 MiB depending on
// when V8 happened to decide; with pretenuring off for the apply phase, 120–126 MiB every time, at
// the same CPU. V8 reads this flag at each collection, so setting it after start takes effect; it
// is set only once the merge is done (a large merge's long-lived rows do gain from pretenuring).
import { setFlagsFromString } from 'node:v8';

let tuned = false;

export function tuneGcForManyRequests(): void {
  if (tuned) return;
  tuned = true;
  setFlagsFromString('--no-allocation-site-pretenuring');
}
