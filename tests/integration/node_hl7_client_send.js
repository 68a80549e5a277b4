// Sends one message to an MLLP listener with node-hl7-client's Client API (a third-party HL7
// client, pinned in package.json) and prints what came back as one JSON line:
//   {"sent": "<message as sent>", "ack": "<acknowledgement>", "msa1": "AA", "msa2": "<MSH-10>"}
// Usage: node node_hl7_client_send.js PORT CONTROL_ID [TIMEOUT_MS]
// Run by tests/integration/test_mllp.py; exits 1 with a message on stderr when no ACK arrives.
"use strict";
const { Client, Message } = require("node-hl7-client");

const port = Number(process.argv[2]);
const controlId = process.argv[3];
const timeoutMs = Number(process.argv[4] || 10000);

const client = new Client({ host: "127.0.0.1" });
let sent = "";
const timer = setTimeout(() => {
  process.stderr.write(`node-hl7-client: no acknowledgement within ${timeoutMs} ms\n`);
  process.exit(1);
}, timeoutMs);

const connection = client.createConnection({ port, maxConnectionAttempts: 3 }, async (res) => {
  const ack = res.getMessage();
  const out = {
    sent,
    ack: ack.toString(),
    msa1: ack.get("MSA.1").toString(),
    msa2: ack.get("MSA.2").toString(),
  };
  process.stdout.write(JSON.stringify(out) + "\n");
  clearTimeout(timer);
  await connection.close();
  client.closeAll();
  process.exit(0);
});
connection.on("client.error", (err) => process.stderr.write(`node-hl7-client error: ${err}\n`));

// The builder writes MSH-1..MSH-12 (its own MSH-7, version 2.7); the test's patient goes in PID.
const message = new Message({
  messageHeader: { msh_9_1: "ADT", msh_9_2: "A04", msh_10: controlId, msh_11_1: "P" },
});
message.set("MSH.3", "NODECLIENT");
message.set("MSH.4", "SZ-HOSP");
message.set("MSH.5", "MEDGW");
message.set("MSH.6", "CRM");
const pid = message.addSegment("PID");
pid.set("1", "1");
pid.set("3.1", "N500");
pid.set("3.4", "BLH");
pid.set("3.5", "MR");
pid.set("5.1", "Zhang");
pid.set("5.2", "Wei");
pid.set("7", "19850214");
pid.set("8", "M");
sent = message.toString();

// Sent once the socket is connected: sendMessage before that only queues the message, and this
// version then opens a second socket to flush it (the first stays open, idle).
connection.once("connect", () => {
  connection.sendMessage(message).catch((err) => {
    process.stderr.write(`node-hl7-client: sendMessage failed: ${err}\n`);
    process.exit(1);
  });
});
