// The one place that says which hosts plain http may reach (config checks and fetches agree).

/** 127.0.0.0/8 (also as ::ffff:127.x.y.z), ::1 and localhost (incl. *.localhost). */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  return LOOPBACK_V4.test(h);
}

// 127.x.y.z as node:net's isIPv4 reads an address (no leading zeros, octets up to 255). node:net
// itself, with the streams it pulls in, cost every start ~2 ms for this one check.
const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]\\d|\\d)';
const LOOPBACK_V4 = new RegExp(`^(?:::ffff:)?127\\.${OCTET}\\.${OCTET}\\.${OCTET}$`);
