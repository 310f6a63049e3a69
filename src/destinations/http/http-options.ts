// What both destination clients (Mastodon's, and the transport GoToSocial and Akkoma share) are
// built from; each adds its own events.
export interface HttpOptions {
  /** `https://instance.example` (or `http:` for loopback hosts only). */
  baseUrl: string;
  token?: string;
  /** Share of the rate limit kept for the admin's own use. Default 0.10. */
  reserve?: number;
  /** Requests in flight at once. Default 4. */
  concurrency?: number;
  /** Per attempt. Default 30 s. */
  timeoutMs?: number;
  /** Retries for network errors, timeouts and the 5xx a call retries. Default 4. */
  maxRetries?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}
