#!/usr/bin/env node
// MLLP benchmark peers on Node.js: an MLLP server that answers every message with AA and keeps
// nothing, built on @medplum/hl7 (Hl7Server) or on simple-hl7 (hl7.tcp()).
//
// Usage: node peer_mllp_server.js --peer medplum|simple [--port PORT]
//
//   --port PORT   port to listen on (default 0: any free port)
//
// Prints "LISTENING <port>" on stdout once it accepts connections; runs until SIGTERM/SIGINT.
'use strict';

function usage(msg) {
  if (msg) console.error(`peer_mllp_server.js: ${msg}`);
  console.error('usage: node peer_mllp_server.js --peer medplum|simple [--port PORT]');
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { peer: null, port: 0 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => (i + 1 < argv.length ? argv[++i] : usage(`${a} needs a value`));
    if (a === '--peer') opts.peer = val();
    else if (a === '--port') opts.port = Number(val());
    else if (a === '-h' || a === '--help') usage();
    else usage(`unknown argument ${a}`);
  }
  if (opts.peer !== 'medplum' && opts.peer !== 'simple') usage('--peer must be medplum or simple');
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) usage('bad --port');
  return opts;
}

function listening(port) {
  process.stdout.write(`LISTENING ${port}\n`);
}

// @medplum/hl7: Hl7Server hands each connection to the handler; a connection dispatches a
// "message" event per parsed frame with an Hl7Message (@medplum/core), whose buildAck() makes an
// ACK with MSA-1 AA and MSA-2 = the message's MSH-10.
async function startMedplum(port) {
  const { Hl7Server } = require('@medplum/hl7');
  const server = new Hl7Server((connection) => {
    connection.addEventListener('message', (event) => {
      event.connection.send(event.message.buildAck());
    });
    connection.addEventListener('error', (event) => {
      console.error(`peer_mllp_server.js (medplum): ${event.error && event.error.message}`);
    });
  });
  await server.start(port);
  // Quirk: Hl7Server keeps its net.Server in a field and start() resolves without the port.
  listening(server.server.address().port);
  return () => server.stop({ forceDrainTimeoutMs: 100 });
}

// simple-hl7: express-like middleware; the server builds res.ack (MSA-1 AA, MSA-2 = MSH-10)
// before calling the app, and res.end() writes it framed.
function startSimple(port) {
  const hl7 = require('simple-hl7');
  const app = hl7.tcp();
  app.use((req, res, next) => {
    if (res) res.end();  // the server calls the app without req/res after a socket error
  });
  app.use((err, req, res, next) => {
    console.error(`peer_mllp_server.js (simple): ${err && err.message}`);
    if (res) res.end();
  });
  // Quirk: start() calls net.Server#listen(port) without a callback and returns the TcpServer,
  // whose net.Server is .server.
  const tcpServer = app.start(port);
  return new Promise((resolve) => {
    tcpServer.server.once('listening', () => {
      listening(tcpServer.server.address().port);
      resolve(() => new Promise((done) => tcpServer.server.close(() => done())));
    });
  });
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const stop = opts.peer === 'medplum' ? await startMedplum(opts.port) : await startSimple(opts.port);
  const shutdown = () => {
    Promise.resolve(stop()).finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 1000).unref();
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

main().catch((e) => {
  console.error(`peer_mllp_server.js: ${e && e.stack ? e.stack : e}`);
  process.exit(1);
});
