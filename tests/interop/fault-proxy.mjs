// fault-proxy.mjs — an HTTP proxy on 127.0.0.1 between blizzard and the S3 server that injects
// faults: by request number (--every-*), or at random from a seed (--seed, --fault-rate, --faults).
// Faults: e500/e503 (SlowDown) answers, `cut` (connection dropped while the request body arrives),
// `slow` (answer delayed), and three that let the request reach the server and spoil its answer:
// `trunc-head` (connection closed inside the response headers), `trunc-body` (inside the body) and
// `strip` (a clean 2xx without ETag and body) — the server acted, the client cannot know it did.
// usage: node fault-proxy.mjs --port P --target-port T [--every-500 N] [--every-503 N] [--every-cut N]
//        [--every-slow N] [--slow-ms MS] [--seed S --fault-rate R --faults a,b,c --methods POST,PUT]
import http from 'node:http';
const a = process.argv.slice(2);
const o = { port: 0, target: 0, e500: 0, e503: 0, cut: 0, slow: 0, slowMs: 1500, seed: 0, rate: 0,
  faults: ['e500', 'e503', 'cut', 'slow', 'trunc-head', 'trunc-body', 'strip'] };
for (let i = 0; i < a.length; i++) {
  const v = () => Number(a[++i]);
  if (a[i] === '--port') o.port = v();
  else if (a[i] === '--target-port') o.target = v();
  else if (a[i] === '--every-500') o.e500 = v();
  else if (a[i] === '--every-503') o.e503 = v();
  else if (a[i] === '--every-cut') o.cut = v();
  else if (a[i] === '--every-slow') o.slow = v();
  else if (a[i] === '--slow-ms') o.slowMs = v();
  else if (a[i] === '--seed') o.seed = v();
  else if (a[i] === '--fault-rate') o.rate = v();
  else if (a[i] === '--faults') o.faults = a[++i].split(',');
  else if (a[i] === '--methods') o.methods = a[++i].split(',');
}
// mulberry32: the same seed gives the same sequence of choices
let st = o.seed >>> 0;
const rand = () => { st = (st + 0x6d2b79f5) >>> 0; let t = st; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
let n = 0;
const counts = { pass: 0, e500: 0, e503: 0, cut: 0, slow: 0, 'trunc-head': 0, 'trunc-body': 0, strip: 0 };
const hit = (k) => k > 0 && n % k === 0;
const reasons = { 200: 'OK', 204: 'No Content', 404: 'Not Found', 500: 'Internal Server Error' };
const server = http.createServer((req, res) => {
  n++;
  const eligible = !o.methods || o.methods.includes(req.method);
  let fault = eligible && o.rate > 0 && rand() < o.rate ? o.faults[Math.floor(rand() * o.faults.length)] : null;
  if (o.rate === 0) { // the request-number schedule, kept for the deterministic test
    if (hit(o.e500)) fault = 'e500';
    else if (hit(o.e503)) fault = 'e503';
    else if (hit(o.cut) && (/partNumber=/.test(req.url) || req.method === 'PUT')) fault = 'cut';
    else if (hit(o.slow)) fault = 'slow';
  }
  if (fault === 'cut' && req.method !== 'PUT') fault = null; // only bodies can be cut on the way in
  if (fault) counts[fault]++; else counts.pass++;
  if (fault === 'e500' || fault === 'e503') {
    const code = fault === 'e500' ? 500 : 503;
    req.resume();
    req.on('end', () => {
      res.writeHead(code, { 'content-type': 'application/xml' });
      res.end(`<?xml version="1.0"?><Error><Code>${code === 500 ? 'InternalError' : 'SlowDown'}</Code><Message>injected</Message></Error>`);
    });
    return;
  }
  if (fault === 'cut') { // read part of the body, then drop the connection
    let got = 0;
    req.on('data', (c) => { got += c.length; if (got > 1024) req.socket.destroy(); });
    req.on('end', () => req.socket.destroy());
    return;
  }
  const delay = fault === 'slow' ? o.slowMs : 0;
  const up = http.request({ host: '127.0.0.1', port: o.target, method: req.method, path: req.url, headers: req.headers }, (ur) => {
    const chunks = [];
    ur.on('data', (c) => chunks.push(c));
    ur.on('end', () => setTimeout(() => {
      const body = Buffer.concat(chunks);
      const headers = { ...ur.headers };
      if (fault === 'trunc-head' || fault === 'trunc-body') {
        headers['content-length'] = String(body.length);
        delete headers['transfer-encoding'];
        let head = `HTTP/1.1 ${ur.statusCode} ${reasons[ur.statusCode] || 'Status'}\r\n`;
        for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
        head += '\r\n';
        const sock = req.socket;
        if (fault === 'trunc-head') sock.write(head.slice(0, Math.max(12, Math.floor(head.length / 2))));
        else sock.write(Buffer.concat([Buffer.from(head), body.subarray(0, Math.floor(body.length / 2))]));
        sock.destroy();
        return;
      }
      if (fault === 'strip' && ur.statusCode < 300) {
        delete headers.etag;
        delete headers['transfer-encoding'];
        headers['content-length'] = '0';
        res.writeHead(ur.statusCode, headers);
        res.end();
        return;
      }
      res.writeHead(ur.statusCode, headers);
      res.end(body);
    }, delay));
  });
  up.on('error', () => res.destroy());
  req.pipe(up);
});
server.listen(o.port, '127.0.0.1', () => console.log(`fault-proxy on 127.0.0.1:${server.address().port} -> ${o.target}`));
const stop = () => { console.log(`fault-proxy: ${n} requests ${JSON.stringify(counts)}`); process.exit(0); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
setTimeout(stop, 10 * 60 * 1000).unref(); // bounded: never outlives a test run
