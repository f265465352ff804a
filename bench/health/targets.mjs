// Local HTTP targets for the health benchmark, in their own process so their CPU is not
// counted as the API's. Prints the ports as one JSON line, then serves until killed.
import { createServer } from 'node:http';

const count = Number(process.argv[2] ?? 20);
const ports = [];
for (let i = 0; i < count; i++) {
  const server = createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
  server.keepAliveTimeout = 60_000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  ports.push(server.address().port);
}
process.stdout.write(`${JSON.stringify({ ports })}\n`);
