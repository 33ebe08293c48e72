// Firefox on a side of its own (side-browser.sh): runs it in the side's network namespace and
// makes its WebDriver BiDi socket, which listens on that namespace's loopback, reachable from
// the test's: a listener on the test's loopback whose every connection is carried by a child
// process inside the side namespace (`--connect PORT`: stdin and stdout to 127.0.0.1:PORT there).
// The line Puppeteer waits for names the outer port instead of Firefox's. Plain JavaScript:
// Puppeteer starts it as an executable, with no TypeScript loader.
import { spawn } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { createInterface } from 'node:readline';

const side = process.env.WEBRTC_CONNECT_SIDE_PID;
const self = new URL(import.meta.url).pathname;
const inSide = (command, args, stdio) =>
  spawn('nsenter', ['-t', String(side), '-n', '--', command, ...args], { stdio });

if (process.argv[2] === '--connect') {
  const socket = connect(Number(process.argv[3]), '127.0.0.1');
  process.stdin.pipe(socket).pipe(process.stdout);
  socket.on('error', () => process.exit(1));
  socket.on('close', () => process.exit(0));
} else {
  const browser = inSide(process.env.WEBRTC_CONNECT_SIDE_BROWSER, process.argv.slice(2), [
    'ignore',
    'inherit',
    'pipe',
  ]);
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) {
    process.on(signal, () => browser.kill(signal));
  }
  browser.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  const listening = /^WebDriver BiDi listening on ws:\/\/127\.0\.0\.1:(\d+)(.*)$/;
  createInterface({ input: browser.stderr }).on('line', (line) => {
    const found = listening.exec(line);
    if (!found) {
      process.stderr.write(`${line}\n`);
      return;
    }
    const inner = found[1];
    const server = createServer((socket) => {
      const carrier = inSide(
        process.execPath,
        [self, '--connect', inner],
        ['pipe', 'pipe', 'ignore'],
      );
      socket.pipe(carrier.stdin);
      carrier.stdout.pipe(socket);
      socket.on('error', () => carrier.kill());
      socket.on('close', () => carrier.kill());
      carrier.on('exit', () => socket.destroy());
    });
    server.unref();
    // The same port as Firefox's: it refuses a handshake whose Host names another (400).
    server.listen(Number(inner), '127.0.0.1', () => {
      process.stderr.write(
        `WebDriver BiDi listening on ws://127.0.0.1:${server.address().port}${found[2]}\n`,
      );
    });
  });
}
