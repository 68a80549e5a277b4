#!/usr/bin/env node
// Parse-benchmark peers on Node.js: @medplum/hl7 and simple-hl7.
//
// Usage: node peer_node.js --peer medplum|simple [--seconds S] [--warmup W] CORPUS_FILE
//
// Splits CORPUS_FILE into messages at "\rMSH" boundaries, then parses whole
// passes over the corpus for ~S seconds (after an untimed W-second warm-up so
// the JIT is hot). Every parse reads MSH-10 and PID-3 (first repetition, first
// component, i.e. the CX.1 ID number) and adds their lengths to a checksum.
//
// Prints one line:
// RESULT name=<name> msgs_per_s=<f> mb_per_s=<f> messages=<n> checksum=<n>
// (MB = 1e6 bytes of message input; messages = parses in the timed run.)
'use strict';

const fs = require('fs');

function usage(msg) {
  if (msg) console.error(`peer_node.js: ${msg}`);
  console.error('usage: node peer_node.js --peer medplum|simple [--seconds S] [--warmup W] CORPUS_FILE');
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { peer: null, seconds: 3, warmup: 0.5, corpus: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => (i + 1 < argv.length ? argv[++i] : usage(`${a} needs a value`));
    if (a === '--peer') opts.peer = val();
    else if (a === '--seconds') opts.seconds = Number(val());
    else if (a === '--warmup') opts.warmup = Number(val());
    else if (a === '-h' || a === '--help') usage();
    else if (a.startsWith('-')) usage(`unknown option ${a}`);
    else if (opts.corpus === null) opts.corpus = a;
    else usage(`unexpected argument ${a}`);
  }
  if (!opts.corpus) usage('missing CORPUS_FILE');
  if (!(opts.seconds > 0) || !(opts.warmup >= 0)) usage('bad --seconds/--warmup');
  return opts;
}

// ---------------------------------------------------------------------------
// Peers: each returns { name, parseOne(text) -> len(MSH-10) + len(PID-3.1) }.
// ---------------------------------------------------------------------------

function medplumPeer() {
  // Quirk: @medplum/hl7 only has the MLLP client/server; the message model
  // (Hl7Message) lives in @medplum/core, which @medplum/hl7 depends on.
  require('@medplum/hl7');
  const { Hl7Message } = require('@medplum/core');
  return {
    name: 'medplum-hl7',
    parseOne(text) {
      const msg = Hl7Message.parse(text);
      // getField() is 1-based and MSH-aware: getField(10) is MSH-10. It
      // returns undefined (not an empty field) when the field is absent.
      const f10 = msg.getSegment('MSH').getField(10);
      const ctl = f10 ? f10.toString() : '';
      const pid = msg.getSegment('PID');
      // getComponent(field, component, subcomponent, repetition):
      // field/component are 1-based, repetition is 0-based.
      const id = pid ? pid.getComponent(3, 1, undefined, 0) : '';
      return ctl.length + id.length;
    },
  };
}

function simplePeer() {
  const hl7 = require('simple-hl7');
  const parser = new hl7.Parser();
  const delims = parser.delimiters;
  return {
    name: 'simple-hl7',
    parseOne(text) {
      const msg = parser.parse(text);
      // Quirk: msg.header.fields starts at MSH-3, so MSH-n is header.getField(n - 2).
      const ctl = msg.header.getField(8);
      const pid = msg.getSegment('PID');
      let id = '';
      if (pid && pid.fields.length >= 3) {
        // Quirk: pid.getComponent(3, 1) returns "" when PID-3 repeats, and
        // pid.getField(3, 1) returns "a,b,c" (Array#toString) or throws when
        // PID-3 does not repeat. So read the model directly: a repeated
        // field's value[] holds nested field objects, a plain one holds one
        // component array.
        let rep = pid.fields[2].value[0];
        if (!Array.isArray(rep)) rep = rep.value[0];
        if (rep.length) id = rep[0].toString(delims);
      }
      return ctl.length + id.length;
    },
  };
}

// ---------------------------------------------------------------------------

function loadCorpus(path) {
  const data = fs.readFileSync(path);
  const raw = [];
  let start = 0;
  for (;;) {
    const i = data.indexOf('\rMSH', start);
    const end = i < 0 ? data.length : i + 1;
    if (end > start) raw.push(data.subarray(start, end));
    if (i < 0) break;
    start = i + 1;
  }
  const msgs = raw.filter((b) => b.toString('latin1').trim() !== '');
  // Peers get their native input type (string); decoding is not timed.
  return { texts: msgs.map((b) => b.toString('utf8')), bytes: msgs.reduce((n, b) => n + b.length, 0) };
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  let peer;
  if (opts.peer === 'medplum') peer = medplumPeer();
  else if (opts.peer === 'simple') peer = simplePeer();
  else usage('--peer must be medplum or simple');

  const { texts, bytes } = loadCorpus(opts.corpus);
  const parseOne = peer.parseOne;
  const onePass = () => {
    let chk = 0;
    for (let i = 0; i < texts.length; i++) chk += parseOne(texts[i]);
    return chk;
  };

  const now = () => Number(process.hrtime.bigint()) / 1e9;
  const warmEnd = now() + opts.warmup;
  do onePass(); while (now() < warmEnd);

  let checksum = 0;
  let passes = 0;
  const t0 = now();
  const deadline = t0 + opts.seconds;
  let t1;
  do {
    checksum += onePass();
    passes++;
    t1 = now();
  } while (t1 < deadline);
  const elapsed = t1 - t0;

  const n = passes * texts.length;
  console.log(`RESULT name=${peer.name} msgs_per_s=${(n / elapsed).toFixed(1)} ` +
    `mb_per_s=${((passes * bytes) / elapsed / 1e6).toFixed(3)} messages=${n} checksum=${checksum}`);
}

main();
