// A Fediseer test double on 127.0.0.1, built from formats.md 4.12 and Fediseer's own API
// (fediseer/apis/v1/censures.py, hesitations.py), not from what fediblock sends:
// - GET /api/v1/censures_given/<a,b,…> and /api/v1/hesitations_given/<a,b,…>: the union of what
//   the named instances gave, each entry with `<kind>_reasons`, `<kind>_evidence`, `<kind>_count`;
// - `min_censures` / `min_hesitations` (default 1, more than the instances named → 400),
//   `reasons_csv` (any reason containing one of the words), `domains=true`, `csv=true`;
// - `apikey` header: an unknown key → 401; a private list without its instance's key → 403;
//   instances nobody registered → 404;
// - `rateLimited = true` → 429 (Fediseer's limiter).
// Shares no code with src/.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Kind = 'censure' | 'hesitation';

export interface GivenEntry {
  target: string;
  reason?: string | null;
  evidence?: string | null;
}

export interface FediseerInstance {
  domain: string;
  apiKey?: string;
  /** Who may read this instance's lists; default open. */
  visibility?: 'open' | 'private';
  censures?: GivenEntry[];
  hesitations?: GivenEntry[];
}

export interface FediseerDouble {
  url: string;
  instances: Map<string, FediseerInstance>;
  rateLimited: boolean;
  /** Every request: path with query exactly as received, and the apikey header. */
  requests: { url: string; apikey: string | undefined; headers: IncomingMessage['headers'] }[];
  close(): Promise<void>;
}

const BOOL_TRUE = new Set(['true', 'True', '1', 'yes']);

export async function startFediseer(instances: FediseerInstance[]): Promise<FediseerDouble> {
  const double: FediseerDouble = {
    url: '',
    instances: new Map(instances.map((i) => [i.domain, i])),
    rateLimited: false,
    requests: [],
    close: () => new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
  const server: Server = createServer((req, res) => {
    const apikey = req.headers.apikey as string | undefined;
    double.requests.push({ url: req.url ?? '', apikey, headers: req.headers });
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (double.rateLimited) return send(429, { message: '45 per 1 minute' });
    const u = new URL(req.url ?? '/', 'http://double');
    const m = /^\/api\/v1\/(censures|hesitations)_given\/([^/]+)$/.exec(u.pathname);
    if (!m) return send(404, { message: 'not found' });
    const kind: Kind = m[1] === 'censures' ? 'censure' : 'hesitation';
    const caller = apikey === undefined ? undefined : [...double.instances.values()].find((i) => i.apiKey === apikey);
    if (apikey !== undefined && caller === undefined) return send(401, { message: "No Instance found matching provided API key. Please ensure you've typed it correctly" });
    const named = decodeURIComponent(m[2]!).split(',').map((d) => double.instances.get(d)).filter((i) => i !== undefined);
    if (named.length === 0) return send(404, { message: 'No Instances found matching any of the provided domains. Have you remembered to register them?' });
    const visible = named.filter((i) => (i.visibility ?? 'open') === 'open' || i === caller);
    if (visible.length === 0) return send(403, { message: `You do not have access to see these ${kind}s` });
    const min = Number(u.searchParams.get(`min_${kind}s`) ?? '1');
    if (min > visible.length) return send(400, { message: `You cannot request more ${kind}s than the amount of reference domains` });
    const reasonsCsv = u.searchParams.get('reasons_csv');
    const filter = reasonsCsv ? reasonsCsv.split(',').map((r) => r.trim().toLowerCase()) : undefined;

    const given = visible.flatMap((i) => (kind === 'censure' ? i.censures : i.hesitations) ?? []);
    const targets = [...new Set(given.map((g) => g.target))];
    const details: Record<string, unknown>[] = [];
    for (const target of targets) {
      const mine = given.filter((g) => g.target === target);
      const withReason = mine.filter((g) => g.reason !== undefined && g.reason !== null);
      const keep = filter
        ? filter.some((f) => withReason.filter((g) => g.reason!.toLowerCase().includes(f)).length >= min)
        : mine.length >= min;
      if (!keep) continue;
      details.push({
        id: details.length + 1,
        domain: target,
        software: 'mastodon',
        state: 'UP',
        [`${kind}_reasons`]: withReason.map((g) => g.reason),
        [`${kind}_evidence`]: withReason.map((g) => g.evidence).filter((e) => e !== undefined && e !== null),
        [`${kind}_count`]: mine.length,
        tags: [],
      });
    }
    const total = given.length;
    if (BOOL_TRUE.has(u.searchParams.get('csv') ?? '')) return send(200, { csv: details.map((d) => d.domain).join(','), total });
    if (BOOL_TRUE.has(u.searchParams.get('domains') ?? '')) return send(200, { domains: details.map((d) => d.domain), total });
    return send(200, { instances: details, total });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  double.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return double;
}
