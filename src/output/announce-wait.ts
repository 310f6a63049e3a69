// Long rate-limit waits are said when they start (a five-minute silence looks like a hang, in cron
// mail as on a terminal), and counted down on a terminal. Concurrent requests waiting for the same
// window are one wait, announced once.

/** "4m 10s", "45s", "1h 2m". */
export function formatWait(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}

/**
 * The window a limit applies to, when it can be told: Mastodon's windows are aligned to the epoch
 * (5 minutes per token, 15 minutes for paging; mastodon-api.md §4), so a window end on such a
 * boundary, no further away than that period, names it. Otherwise undefined ("per window").
 */
export function windowOf(resetMs: number, waitMs: number): string | undefined {
  for (const [period, label] of [
    [5 * 60_000, '5 min'],
    [15 * 60_000, '15 min'],
    [60 * 60_000, '1 h'],
  ] as const) {
    const off = ((resetMs % period) + period) % period;
    if ((off < 2_000 || period - off < 2_000) && waitMs <= period + 2_000) return label;
  }
  return undefined;
}

export interface WaitInfo {
  waitMs: number;
  /** When the wait ends (epoch ms), margin included. */
  until: number;
  limit?: number;
  kept?: number;
}

/** "waiting 4m 10s for social.example's rate limit (300 requests / 5 min; 30 kept for you)". */
export function waitLine(host: string, w: WaitInfo, remainingMs = w.waitMs): string {
  let detail = '';
  if (w.limit !== undefined) {
    // `until` carries the client's one-second margin past the window's end.
    const window = windowOf(w.until - 1000, w.waitMs);
    detail = ` (${w.limit} requests ${window ? `/ ${window}` : 'per window'}${w.kept ? `; ${w.kept} kept for you` : ''})`;
  }
  return `waiting ${formatWait(remainingMs)} for ${host}'s rate limit${detail}`;
}

/** Waits shorter than this pass without a word. */
export const ANNOUNCE_AFTER_MS = 10_000;

export interface WaitAnnouncer {
  /** True when the wait is (or was already) announced. */
  onWait(w: WaitInfo): boolean;
  /** Stop any countdown (the run is ending). */
  stop(): void;
}

export function waitAnnouncer(host: string, out: { say(line: string): void; tty?: NodeJS.WritableStream }, now: () => number = Date.now): WaitAnnouncer {
  let announcedUntil = 0;
  let timer: NodeJS.Timeout | undefined;
  const stop = () => {
    if (timer === undefined) return;
    clearInterval(timer);
    timer = undefined;
    out.tty?.write('\r\u001b[K');
  };
  return {
    onWait(w) {
      if (w.waitMs < ANNOUNCE_AFTER_MS) return false;
      if (Math.abs(w.until - announcedUntil) < 2_000) return true;
      announcedUntil = w.until;
      out.say(waitLine(host, w));
      const tty = out.tty;
      if (!tty) return true;
      stop();
      timer = setInterval(() => {
        const left = w.until - now();
        if (left <= 0) return stop();
        tty.write(`\r\u001b[K  ${waitLine(host, w, left)}`);
      }, 1000);
      timer.unref();
      return true;
    },
    stop,
  };
}
