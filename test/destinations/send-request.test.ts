// A destination connection against small loopback servers: the whole answer, a bounded body, a
// bound on the attempt as a whole (a server that trickles its body forever is still cut off), and
// kept-alive sockets, never more than asked for.
import { afterEach, describe, expect, it } from 'vitest';
import { Connection } from '../../src/destinations/http/send-request.js';
import { tinyServer } from '../mastodon/helpers.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(handler: Parameters<typeof tinyServer>[0]) {
  const s = await tinyServer(handler);
  const pool = new Connection(new URL(s.url), 2);
  cleanups.push(s.close, async () => pool.close());
  return { s, pool };
}
const base = { headers: { accept: 'application/json' }, timeoutMs: 5_000, maxBodyBytes: 1_000 };

describe('Connection', () => {
  it('sends method, path, headers and body, and returns status, headers and the whole text', async () => {
    const { s, pool } = await setup((_r, res) => {
      res.writeHead(422, { 'content-type': 'application/json', 'x-ratelimit-remaining': '7' });
      res.write('{"error":');
      setTimeout(() => res.end('"über"}'), 20);
    });
    const a = await pool.request({ ...base, method: 'POST', path: '/api/v1/x?limit=5', headers: { 'content-type': 'application/json', authorization: 'Bearer t' }, body: '{"domain":"a.example"}' });
    expect(a).toMatchObject({ status: 422, text: '{"error":"über"}' });
    expect(a.headers['x-ratelimit-remaining']).toBe('7');
    expect(s.seen[0]).toMatchObject({ method: 'POST', url: '/api/v1/x?limit=5', body: '{"domain":"a.example"}' });
    expect(s.seen[0]!.headers.authorization).toBe('Bearer t');
  });

  it('refuses an answer larger than the limit', async () => {
    const { pool } = await setup((_r, res) => {
      res.writeHead(200);
      res.end('x'.repeat(5_000));
    });
    await expect(pool.request({ ...base, method: 'GET', path: '/' })).rejects.toThrow('response larger than 1000 bytes');
  });

  it('bounds the whole attempt: a body that keeps trickling times out as TimeoutError', async () => {
    let tick: NodeJS.Timeout | undefined;
    const { pool } = await setup((_r, res) => {
      res.writeHead(200);
      tick = setInterval(() => res.write(' '), 20);
      res.on('close', () => clearInterval(tick));
    });
    cleanups.push(async () => clearInterval(tick));
    const e = (await pool.request({ ...base, method: 'GET', path: '/', timeoutMs: 200 }).catch((x: unknown) => x)) as Error;
    expect(e.name).toBe('TimeoutError');
    expect(e.message).toBe('no answer within 200 ms');
  });

  it('keeps connections alive, at most the number asked for, and repeated headers come as arrays', async () => {
    const ports = new Set<number>();
    let open = 0;
    let most = 0;
    const { pool } = await setup((_r, res) => {
      ports.add(res.socket!.remotePort!);
      most = Math.max(most, ++open);
      setTimeout(() => {
        open--;
        res.setHeader('link', ['<a>; rel="next"', '<b>; rel="prev"']);
        res.end('{}');
      }, 10);
    });
    const answers = await Promise.all(Array.from({ length: 12 }, () => pool.request({ ...base, method: 'GET', path: '/' })));
    expect(answers.every((a) => a.status === 200 && a.text === '{}')).toBe(true);
    expect(answers[0]!.headers.link).toEqual(['<a>; rel="next"', '<b>; rel="prev"']);
    expect(most).toBeLessThanOrEqual(2);
    expect(ports.size).toBeLessThanOrEqual(2);
  });

  it('a connection reset is an error, not an answer', async () => {
    const { pool } = await setup((_r, res) => res.socket?.destroy());
    await expect(pool.request({ ...base, method: 'GET', path: '/' })).rejects.toBeInstanceOf(Error);
  });
});
