// fault-proxy.mjs — an HTTP proxy on 127.0.0.1 between blizzard and the S3 server that injects
// faults by request number: 500/503 answers, connections cut mid-body, slow answers.
// usage: node fault-proxy.mjs --port P --target-port T [--every-500 N] [--every-503 N] [--every-cut N] [--every-slow N] [--slow-ms MS]
import http from 'node:http';
const a = process.argv.slice(2);
const o = { port: 0, target: 0, e500: 0, e503: 0, cut: 0, slow: 0, slowMs: 1500 };
for (let i = 0; i < a.length; i++) {
  const v = () => Number(a[++i]);
  if (a[i] === '--port') o.port = v();
  else if (a[i] === '--target-port') o.target = v();
  else if (a[i] === '--every-500') o.e500 = v();
  else if (a[i] === '--every-503') o.e503 = v();
  else if (a[i] === '--every-cut') o.cut = v();
  else if (a[i] === '--every-slow') o.slow = v();
  else if (a[i] === '--slow-ms') o.slowMs = v();
}
let n = 0;
const counts = { pass: 0, e500: 0, e503: 0, cut: 0, slow: 0 };
const hit = (k) => k > 0 && n % k === 0;
const server = http.createServer((req, res) => {
  n++;
  const isPart = /partNumber=/.test(req.url) || (req.method === 'PUT');
  if (hit(o.e500) || hit(o.e503)) {
    const code = hit(o.e500) ? 500 : 503;
    counts[code === 500 ? 'e500' : 'e503']++;
    req.resume();
    req.on('end', () => {
      res.writeHead(code, { 'content-type': 'application/xml' });
      res.end(`<?xml version="1.0"?><Error><Code>${code === 500 ? 'InternalError' : 'SlowDown'}</Code><Message>injected</Message></Error>`);
    });
    return;
  }
  if (isPart && hit(o.cut)) { // read part of the body, then drop the connection
    counts.cut++;
    let got = 0;
    req.on('data', (c) => { got += c.length; if (got > 1024) req.socket.destroy(); });
    req.on('end', () => req.socket.destroy());
    return;
  }
  const delay = hit(o.slow) ? (counts.slow++, o.slowMs) : 0;
  const up = http.request({ host: '127.0.0.1', port: o.target, method: req.method, path: req.url, headers: req.headers }, (ur) => {
    setTimeout(() => { res.writeHead(ur.statusCode, ur.headers); ur.pipe(res); }, delay);
  });
  up.on('error', () => res.destroy());
  req.pipe(up);
  counts.pass++;
});
server.listen(o.port, '127.0.0.1', () => console.log(`fault-proxy on 127.0.0.1:${server.address().port} -> ${o.target}`));
const stop = () => { console.log(`fault-proxy: ${n} requests ${JSON.stringify(counts)}`); process.exit(0); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
setTimeout(stop, 10 * 60 * 1000).unref(); // bounded: never outlives a test run
