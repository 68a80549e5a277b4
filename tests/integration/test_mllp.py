#!/usr/bin/python3
"""Integration tests of the MLLP listener and sender: real gateways, real clients, real sockets.

Each test starts its own `medgw serve` (a temporary directory, port 0; the bound port is read from
its `mllp.listening` log line), drives it with third-party clients (Debian python3-hl7's
`mllp_send`, npm node-hl7-client), raw sockets, `openssl`-made certificates and `medgw send`, stops
it, and reads what it stored with `medgw messages list --tsv`. Messages are written here.

    /usr/bin/python3 tests/integration/test_mllp.py      # or: ctest --preset dev -R integration
    MEDGW_BIN=build/x/gateway/medgw /usr/bin/python3 tests/integration/test_mllp.py -k Framing

Peers: deploy/install-deps.sh installs python3-hl7 (mllp_send) and openssl; node-hl7-client is
pinned in tests/integration/package-lock.json and installed with `npm ci` (done here when
node_modules is missing). A missing peer fails its test with what to run; nothing is skipped.

What the backpressure test shows (DESIGN principle 5): with queue.high_watermark 20 and nothing
draining the queue (no pipeline consumer exists yet), a sender that waits for each ACK gets 21
ACKs (the listener stops reading once the depth is above 20), and then nothing: the connection
stays open, nothing is rejected, the unread messages wait in the socket buffers. Nothing resumes,
because only a consumer lowers the depth below the low watermark; a restarted gateway recovers
the depth and stays paused too.
"""
import asyncio
import hashlib
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
MEDGW = os.environ.get("MEDGW_BIN") or os.path.join(REPO, "build", "dev", "gateway", "medgw")
MLLP_SEND = "/usr/bin/mllp_send"
INSTALL_HINT = "run deploy/install-deps.sh"
NPM_HINT = "run `npm ci` in tests/integration (make node-deps), after deploy/install-deps.sh"

SB, EB, CR = b"\x0b", b"\x1c", b"\r"
COMMIT_ACK = b"\x0b\x06\x1c\x0d"
COMMIT_NAK = b"\x0b\x15\x1c\x0d"


# ---- messages -----------------------------------------------------------------------------------

def message(control_id, *, accept="", pid="P100", name="Li^Lei", sender=("HIS", "SZ-HOSP"),
            version="2.5.1", extra=(), terminator="\r"):
    """An ADT^A01 as bytes (UTF-8), segments ended by `terminator`."""
    fields = ["MSH", "^~\\&", sender[0], sender[1], "MEDGW", "CRM", "20261123093000+0800", "",
              "ADT^A01^ADT_A01", control_id, "P", version, "", "", accept]
    while fields[-1] == "":
        fields.pop()
    segments = ["|".join(fields), "EVN|A01|20261123093000+0800",
                "PID|1||%s^^^BLH^MR||%s||19900307|M" % (pid, name), *extra]
    return (terminator.join(segments) + terminator).encode("utf-8")


def big_message(control_id, size):
    """A valid message of about `size` bytes (a long report note)."""
    return message(control_id, extra=["NTE|1||" + "x" * size])


# Starts with MSH, then is not HL7: its second segment has no segment id.
GARBAGE_WITH_MSH = b"MSH|^~\\&|LAB|SZ-HOSP|MEDGW|CRM|20261123093000||ORU^R01|GARB1|P|2.5.1\r" \
                   b"this line is not a segment at all\r"
NOT_HL7 = b"GET / HTTP/1.1\r\nHost: medgw\r\n\r\n"


def frame(payload):
    return SB + payload + EB + CR


def sha256(data):
    return hashlib.sha256(data).hexdigest()


class Ack:
    """An acknowledgement read from the wire."""

    def __init__(self, payload):
        self.raw = payload
        self.text = payload.decode("utf-8", "replace")
        self.segments = [s.split("|") for s in self.text.split("\r") if s]
        self.ids = [s[0] for s in self.segments]

    def field(self, segment_id, n):
        for s in self.segments:
            if s[0] == segment_id:
                if segment_id == "MSH":  # MSH-1 is the separator itself: MSH-n is at index n-1
                    return s[n - 1] if n - 1 < len(s) else ""
                return s[n] if n < len(s) else ""
        return None

    @property
    def code(self):
        return self.field("MSA", 1)

    @property
    def control_id(self):  # MSA-2: the MSH-10 it answers
        return self.field("MSA", 2)

    @property
    def own_control_id(self):  # the ACK's MSH-10
        return self.field("MSH", 10)

    def __repr__(self):
        return "Ack(%r)" % self.text


def frames_in(data):
    """Every <SB>payload<EB><CR> in `data`, in order."""
    out, pos = [], 0
    while True:
        s = data.find(SB, pos)
        if s < 0:
            return out
        e = data.find(EB + CR, s)
        if e < 0:
            return out
        out.append(data[s + 1:e])
        pos = e + 2


# ---- a raw MLLP client --------------------------------------------------------------------------

class PeerClosed(Exception):
    pass


class Mllp:
    """A blocking MLLP client on a plain socket, for framing the peers get wrong."""

    def __init__(self, port, host="127.0.0.1", timeout=10.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send(self, data):
        self.sock.sendall(data)

    def recv_frame(self, timeout=10.0):
        """The next frame's payload; TimeoutError when none within `timeout`, PeerClosed on EOF."""
        deadline = time.monotonic() + timeout
        while True:
            s = self.buf.find(SB)
            if s >= 0:
                e = self.buf.find(EB + CR, s)
                if e >= 0:
                    payload, self.buf = self.buf[s + 1:e], self.buf[e + 2:]
                    return payload
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("no frame within %.1f s" % timeout)
            self.sock.settimeout(remaining)
            try:
                data = self.sock.recv(65536)
            except ConnectionResetError as e:
                raise PeerClosed("connection reset") from e
            if not data:
                raise PeerClosed("connection closed by the gateway")
            self.buf += data

    def ack(self, timeout=10.0):
        return Ack(self.recv_frame(timeout))

    def exchange(self, payload, timeout=10.0):
        self.send(frame(payload))
        return self.ack(timeout)

    def closed_within(self, timeout):
        """True when the gateway closes the connection within `timeout` (bytes it sends meanwhile
        are kept in self.buf); False when it is still open then."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            self.sock.settimeout(remaining)
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                return False
            except (ConnectionResetError, BrokenPipeError):
                return True
            if not data:
                return True
            self.buf += data


# ---- the gateway --------------------------------------------------------------------------------

def yaml_scalar(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    return json.dumps(str(v))  # a JSON string is a valid double-quoted YAML scalar


def to_yaml(value, indent=0):
    pad = "  " * indent
    lines = []
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(v, (dict, list)) and v:
                lines.append("%s%s:" % (pad, k))
                lines.append(to_yaml(v, indent + 1))
            else:
                lines.append("%s%s: %s" % (pad, k, yaml_scalar(v) if not isinstance(v, (dict, list)) else "{}"))
    else:
        for item in value:
            if isinstance(item, dict):
                sub = to_yaml(item, indent + 1).split("\n")
                lines.append(pad + "- " + sub[0].lstrip())
                lines.extend(sub[1:])
            else:
                lines.append("%s- %s" % (pad, yaml_scalar(item)))
    return "\n".join(lines)


def run_medgw(*args, timeout=60, input=None):
    return subprocess.run([MEDGW, *args], capture_output=True, timeout=timeout, input=input)


class Gateway:
    """`medgw serve` on a config written into `workdir`, with its JSON log lines collected."""

    def __init__(self, workdir, listeners=None, queue=None, extra=None, name="gw"):
        self.dir = os.path.join(workdir, name)
        os.makedirs(self.dir, exist_ok=True)
        if listeners is None:
            listeners = [{}]
        full = []
        for i, l in enumerate(listeners):
            entry = {"name": "his" if i == 0 else "his%d" % i, "bind": "127.0.0.1", "port": 0}
            entry.update(l)
            full.append(entry)
        q = {"path": os.path.join(self.dir, "queue")}
        q.update(queue or {})
        # These tests are about ingest: the queue's contents and counters are what they check, so
        # no pipeline drains it (tests/e2e/test_archive.py covers delivery).
        cfg = {"log": {"level": "info"}, "stats_interval_s": 3600, "queue": q, "listeners": full,
               "pipeline": {"enabled": False}}
        cfg.update(extra or {})
        self.config = os.path.join(self.dir, "medgw.yaml")
        with open(self.config, "w") as f:
            f.write(to_yaml(cfg) + "\n")
        self.listener_names = [l["name"] for l in full]
        self.proc = None
        self.lines = []
        self.cond = threading.Condition()
        self.ports = {}

    def start(self, timeout=30):
        self.proc = subprocess.Popen([MEDGW, "serve", "--config", self.config], stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        ok = self.wait_for(lambda: len(self.events("mllp.listening")) == len(self.listener_names), timeout)
        if not ok:
            self.kill()
            raise AssertionError("the gateway did not start:\n" + self.log_text())
        for e in self.events("mllp.listening"):
            self.ports[e["listener"]] = e["port"]
        return self

    @property
    def port(self):
        return self.ports[self.listener_names[0]]

    def _read(self):
        for raw in self.proc.stderr:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            with self.cond:
                self.lines.append(line)
                self.cond.notify_all()

    def events(self, name=None):
        out = []
        with self.cond:
            lines = list(self.lines)
        for line in lines:
            try:
                e = json.loads(line)
            except ValueError:
                continue
            if isinstance(e, dict) and (name is None or e.get("event") == name):
                out.append(e)
        return out

    def wait_for(self, predicate, timeout):
        deadline = time.monotonic() + timeout
        with self.cond:
            while not predicate():
                remaining = deadline - time.monotonic()
                if remaining <= 0 or (self.proc.poll() is not None and not self.reader.is_alive()):
                    return predicate()
                self.cond.wait(min(remaining, 0.1))
        return True

    def wait_event(self, name, timeout=10, count=1):
        return self.wait_for(lambda: len(self.events(name)) >= count, timeout)

    def log_text(self):
        with self.cond:
            return "\n".join(self.lines[-80:])

    def stop(self, timeout=15):
        """SIGTERM; returns the exit status (the gateway must exit within `timeout`)."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError("the gateway did not exit within %s s of SIGTERM:\n%s" % (timeout, self.log_text()))
        self.reader.join(5)
        return rc

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def close(self):
        self.kill()
        if self.proc:
            self.reader.join(5)
            self.proc.stderr.close()

    def messages(self):
        """`medgw messages list --tsv` of a stopped gateway, as dicts."""
        r = run_medgw("messages", "list", "--config", self.config, "--tsv", "--limit", "100000")
        if r.returncode != 0:
            raise AssertionError("messages list failed: " + r.stderr.decode())
        lines = r.stdout.decode().split("\n")
        header = lines[0].split("\t")
        return [dict(zip(header, line.split("\t"))) for line in lines[1:] if line]


class GatewayTestCase(unittest.TestCase):
    """Gives each test a temporary directory and stops every gateway it started."""

    def setUp(self):
        self.assertTrue(os.access(MEDGW, os.X_OK), "medgw binary not found at %s (set MEDGW_BIN)" % MEDGW)
        self.tmp = tempfile.mkdtemp(prefix="medgw-integ-")
        self.gateways = []

    def tearDown(self):
        for g in self.gateways:
            g.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def gateway(self, **kw):
        g = Gateway(self.tmp, name="gw%d" % len(self.gateways), **kw)
        self.gateways.append(g)
        return g.start()

    def write(self, name, data):
        path = os.path.join(self.tmp, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def stop(self, gw):
        rc = gw.stop()
        self.assertEqual(rc, 0, "the gateway exited %s:\n%s" % (rc, gw.log_text()))
        return gw.messages()

    def assert_stored_once(self, rows, payload, status="ready"):
        matching = [r for r in rows if r["sha256"] == sha256(payload)]
        self.assertEqual(len(matching), 1, "expected %r stored once, found %r" % (payload[:60], matching))
        self.assertEqual(matching[0]["status"], status)
        self.assertEqual(int(matching[0]["bytes"]), len(payload))
        return matching[0]


# ---- 1. real third-party clients ----------------------------------------------------------------

class ThirdPartyClientsTest(GatewayTestCase):
    def test_python_hl7_mllp_send_gets_aa_ar_with_err_and_ca(self):
        if not os.access(MLLP_SEND, os.X_OK):
            self.fail("%s (Debian python3-hl7) is missing: %s" % (MLLP_SEND, INSTALL_HINT))
        gw = self.gateway()
        # --loose: messages start with MSH|^~\&|, segments end with CRLF or CR; mllp_send strips
        # the last terminator of each message and sends it with CR between segments.
        valid = message("PY0001", name="王^小明", terminator="\r\n")
        enhanced = message("PY0002", accept="AL", pid="P101", terminator="\r")
        path = self.write("batch.hl7", valid + GARBAGE_WITH_MSH.replace(b"\r", b"\r\n") + enhanced)
        r = subprocess.run([MLLP_SEND, "--port", str(gw.port), "--loose", "--file", path, "127.0.0.1"],
                           capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        acks = [Ack(f) for f in frames_in(r.stdout)]
        self.assertEqual([a.code for a in acks], ["AA", "AR", "CA"], r.stdout)
        self.assertEqual([a.control_id for a in acks], ["PY0001", "GARB1", "PY0002"])
        self.assertIn("ERR", acks[1].ids, "an AR names its error in an ERR segment")
        self.assertNotIn("ERR", acks[0].ids)
        rows = self.stop(gw)
        # What mllp_send put on the wire: CR-separated, without the final terminator.
        self.assert_stored_once(rows, valid.replace(b"\r\n", b"\r").rstrip(b"\r"))
        self.assert_stored_once(rows, enhanced.rstrip(b"\r"))
        self.assert_stored_once(rows, GARBAGE_WITH_MSH.rstrip(b"\r"), status="rejected")

    def test_node_hl7_client_gets_aa(self):
        node = shutil.which("node")
        if node is None:
            self.fail("node is missing: " + INSTALL_HINT)
        if not os.path.isdir(os.path.join(HERE, "node_modules", "node-hl7-client")):
            npm = shutil.which("npm")
            if npm is None:
                self.fail("npm is missing: " + INSTALL_HINT)
            r = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--silent"], cwd=HERE, capture_output=True,
                               timeout=300)
            if r.returncode != 0:
                self.fail("npm ci failed in tests/integration (%s): %s" % (NPM_HINT, r.stderr.decode()[-2000:]))
        gw = self.gateway()
        r = subprocess.run([node, os.path.join(HERE, "node_hl7_client_send.js"), str(gw.port), "NODE0001", "15000"],
                           cwd=HERE, capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 0, "node-hl7-client: " + r.stderr.decode())
        out = json.loads(r.stdout.decode().strip().split("\n")[-1])
        self.assertEqual(out["msa1"], "AA", out)
        self.assertEqual(out["msa2"], "NODE0001", out)
        rows = self.stop(gw)
        self.assert_stored_once(rows, out["sent"].encode("utf-8"))


# ---- 2. framing the peers get wrong -------------------------------------------------------------

class FramingTest(GatewayTestCase):
    def test_end_block_in_a_later_write_is_answered(self):
        gw = self.gateway()
        with Mllp(gw.port) as c:
            c.send(SB + message("SPLIT1"))
            time.sleep(0.3)
            c.send(EB + CR)
            a = c.ack()
            self.assertEqual((a.code, a.control_id), ("AA", "SPLIT1"))
            # Split between the two end-block bytes too.
            c.send(SB + message("SPLIT2") + EB)
            time.sleep(0.3)
            c.send(CR)
            a = c.ack()
            self.assertEqual((a.code, a.control_id), ("AA", "SPLIT2"))
        rows = self.stop(gw)
        self.assert_stored_once(rows, message("SPLIT1"))
        self.assert_stored_once(rows, message("SPLIT2"))

    def test_two_frames_in_one_write_are_both_answered_in_order(self):
        gw = self.gateway()
        with Mllp(gw.port) as c:
            c.send(frame(message("TWO1", pid="P1")) + frame(message("TWO2", pid="P2")))
            a, b = c.ack(), c.ack()
            self.assertEqual([(a.code, a.control_id), (b.code, b.control_id)], [("AA", "TWO1"), ("AA", "TWO2")])
        rows = self.stop(gw)
        self.assertEqual(len(rows), 2)

    def test_stray_line_feeds_between_frames_change_nothing(self):
        gw = self.gateway()
        with Mllp(gw.port) as c:
            c.send(frame(message("LF1")) + b"\n" + frame(message("LF2")) + b"\r\n")
            self.assertEqual([(a.code, a.control_id) for a in (c.ack(), c.ack())], [("AA", "LF1"), ("AA", "LF2")])
            c.send(b"\n")
            time.sleep(0.1)
            a = c.exchange(message("LF3"))
            self.assertEqual((a.code, a.control_id), ("AA", "LF3"))
        rows = self.stop(gw)
        self.assertEqual(sorted(r["dedupe_key"].rsplit("|", 1)[1] for r in rows), ["LF1", "LF2", "LF3"])

    def test_a_frame_cut_short_by_the_next_start_byte_is_rejected_not_processed(self):
        # A sender that lost an end block: the frame may be truncated (here at a segment boundary,
        # where it still parses), so it is answered AR and kept as rejected; the next frame is fine.
        gw = self.gateway()
        cut = message("CUT1", extra=["OBX|1|NM|GLU^Glucose||5.6|mmol/L"])
        cut = cut[: cut.index(b"OBX")]
        with Mllp(gw.port) as c:
            c.send(SB + cut + frame(message("NEXT1", pid="P2")))
            a, b = c.ack(), c.ack()
            self.assertEqual((a.code, a.control_id), ("AR", "CUT1"))
            self.assertIn("ERR", a.ids)
            self.assertEqual((b.code, b.control_id), ("AA", "NEXT1"))
        self.assertTrue(gw.wait_event("mllp.frame_without_end_block"))
        rows = self.stop(gw)
        self.assert_stored_once(rows, cut, status="rejected")
        self.assert_stored_once(rows, message("NEXT1", pid="P2"))

    def test_junk_before_the_start_byte_is_skipped(self):
        gw = self.gateway()
        with Mllp(gw.port) as c:
            c.send(b"\x00\xffjunk from a previous session\r\n" + frame(message("JUNK1")))
            a = c.ack()
            self.assertEqual((a.code, a.control_id), ("AA", "JUNK1"))
        rows = self.stop(gw)
        self.assertEqual(len(rows), 1, "the junk is not stored as a message")
        self.assert_stored_once(rows, message("JUNK1"))


# ---- 3. ACK after durable commit ----------------------------------------------------------------

class DurableAckTest(GatewayTestCase):
    def test_every_acknowledged_message_is_stored_with_the_bytes_sent(self):
        gw = self.gateway()
        sent = {}
        with Mllp(gw.port) as c1, Mllp(gw.port) as c2:
            for i in range(30):
                c = c1 if i % 2 else c2
                cid = "DUR%04d" % i
                m = message(cid, pid="P%d" % (i % 7), name="陈^%d" % i if i % 3 == 0 else "Li^Lei",
                            accept="AL" if i % 5 == 0 else "")
                a = c.exchange(m)
                self.assertIn(a.code, ("AA", "CA"), a)
                self.assertEqual(a.control_id, cid)
                sent[cid] = m
        rows = self.stop(gw)
        by_id = {r["dedupe_key"].rsplit("|", 1)[1]: r for r in rows}
        self.assertEqual(sorted(by_id), sorted(sent))
        for cid, m in sent.items():
            self.assertEqual(by_id[cid]["sha256"], sha256(m), cid)
            self.assertEqual(by_id[cid]["status"], "ready")
            self.assertEqual(by_id[cid]["source"], "his")
            self.assertEqual(by_id[cid]["dedupe_key"], "his|HIS^SZ-HOSP|" + cid)

    def test_a_resent_control_id_gets_the_same_ack_and_is_stored_once(self):
        gw = self.gateway()
        m = message("DUP0001")
        with Mllp(gw.port) as c:
            first = c.exchange(m)
            again = c.exchange(m)
        with Mllp(gw.port) as c:  # a sender that reconnected before resending
            third = c.exchange(m)
        self.assertEqual(first.code, "AA")
        for a in (again, third):
            self.assertEqual(a.field("MSA", 1), first.field("MSA", 1))
            self.assertEqual(a.control_id, "DUP0001")
            self.assertEqual(a.own_control_id, first.own_control_id, "the original ACK, not a new one")
            self.assertEqual(a.raw, first.raw)
        self.assertTrue(gw.wait_event("mllp.duplicate", count=2))
        rows = self.stop(gw)
        self.assertEqual(len(rows), 1)
        self.assert_stored_once(rows, m)

    def test_unparseable_input_is_stored_rejected_and_the_connection_survives(self):
        gw = self.gateway()
        with Mllp(gw.port) as c:
            a = c.exchange(NOT_HL7)
            self.assertEqual(a.code, "AR")
            self.assertIn("ERR", a.ids)
            b = c.exchange(GARBAGE_WITH_MSH)
            self.assertEqual((b.code, b.control_id), ("AR", "GARB1"))
            self.assertIn("ERR", b.ids)
            ok = c.exchange(message("AFTER1"))
            self.assertEqual((ok.code, ok.control_id), ("AA", "AFTER1"))
        rows = self.stop(gw)
        bad = self.assert_stored_once(rows, NOT_HL7, status="rejected")
        self.assertTrue(bad["reason"], "a rejected message keeps its reason")
        self.assert_stored_once(rows, GARBAGE_WITH_MSH, status="rejected")
        self.assert_stored_once(rows, message("AFTER1"))


# ---- 4. limits ----------------------------------------------------------------------------------

class LimitsTest(GatewayTestCase):
    def test_a_client_stalling_mid_frame_is_cut_off_at_frame_timeout(self):
        gw = self.gateway(listeners=[{"frame_timeout_ms": 500, "idle_timeout_ms": 60000}])
        m = message("SLOW1")
        with Mllp(gw.port) as idle, Mllp(gw.port) as c:
            t0 = time.monotonic()
            c.send(SB + m[: len(m) // 2])
            self.assertTrue(c.closed_within(5), "still open 5 s after a 500 ms frame deadline")
            elapsed = time.monotonic() - t0
            self.assertGreaterEqual(elapsed, 0.4)
            self.assertLess(elapsed, 3.0)
            self.assertNotIn(b"MSA", c.buf, "a partial frame is not acknowledged")
            # A connection idle between frames is held to idle_timeout_ms, not to the frame deadline.
            a = idle.exchange(message("IDLE1"))
            self.assertEqual(a.code, "AA")
        self.assertTrue(gw.wait_event("mllp.disconnected"))
        reasons = [e.get("reason") for e in gw.events("mllp.disconnected")]
        self.assertIn("frame deadline passed", reasons)
        rows = self.stop(gw)
        self.assertEqual([r["sha256"] for r in rows], [sha256(message("IDLE1"))], "the partial frame is not stored")

    def test_a_client_trickling_a_frame_is_cut_off_at_frame_timeout(self):
        # The deadline covers the whole frame: a byte every 100 ms does not keep a frame open.
        gw = self.gateway(listeners=[{"frame_timeout_ms": 500, "idle_timeout_ms": 60000}])
        m = message("TRICKLE1")
        with Mllp(gw.port) as c:
            t0 = time.monotonic()
            c.send(SB)
            closed = False
            for byte in m:
                try:
                    c.send(bytes([byte]))
                except (BrokenPipeError, ConnectionResetError):
                    closed = True
                    break
                if c.closed_within(0.1):
                    closed = True
                    break
                if time.monotonic() - t0 > 5:
                    break
            elapsed = time.monotonic() - t0
            self.assertTrue(closed, "a frame trickled for %.1f s was not cut off" % elapsed)
            self.assertLess(elapsed, 3.0)
        rows = self.stop(gw)
        self.assertEqual(rows, [])

    def test_an_oversized_frame_gets_ar_and_the_connection_stays_usable(self):
        gw = self.gateway(listeners=[{"max_frame_bytes": 2048}])
        with Mllp(gw.port) as c:
            a = c.exchange(big_message("BIG1", 50000))
            self.assertEqual((a.code, a.control_id), ("AR", "BIG1"))
            self.assertIn("ERR", a.ids)
            ok = c.exchange(message("SMALL1"))
            self.assertEqual((ok.code, ok.control_id), ("AA", "SMALL1"))
            # Just under the limit is accepted.
            m = big_message("EDGE1", 1700)
            self.assertLessEqual(len(m), 2048)
            self.assertEqual(c.exchange(m).code, "AA")
        rows = self.stop(gw)
        self.assert_stored_once(rows, message("SMALL1"))
        self.assert_stored_once(rows, m)
        self.assertEqual(len(rows), 2, "the oversized frame is answered, not stored (its bytes were discarded)")

    def test_max_connections_is_enforced(self):
        gw = self.gateway(listeners=[{"max_connections": 3}])
        clients = [Mllp(gw.port) for _ in range(3)]
        try:
            for i, c in enumerate(clients):
                self.assertEqual(c.exchange(message("MAX%d" % i)).code, "AA")
            with Mllp(gw.port) as extra:
                try:
                    extra.send(frame(message("MAXEXTRA")))
                except (BrokenPipeError, ConnectionResetError):
                    pass
                self.assertTrue(extra.closed_within(5), "a 4th connection is refused when max_connections is 3")
                self.assertNotIn(b"MSA", extra.buf)
            self.assertTrue(gw.wait_event("mllp.connection_refused"))
            clients.pop().close()
            # Once a slot is free, a new connection is served.
            deadline = time.monotonic() + 5
            while True:
                with Mllp(gw.port) as again:
                    try:
                        a = again.exchange(message("MAXAGAIN"), timeout=2)
                        break
                    except (PeerClosed, BrokenPipeError, ConnectionResetError, TimeoutError):
                        if time.monotonic() > deadline:
                            raise
                        time.sleep(0.1)
            self.assertEqual(a.code, "AA")
        finally:
            for c in clients:
                c.close()
        rows = self.stop(gw)
        self.assertNotIn(sha256(message("MAXEXTRA")), [r["sha256"] for r in rows])

    def test_a_thousand_concurrent_connections_are_all_acknowledged(self):
        n = 1000
        gw = self.gateway(listeners=[{"max_connections": n + 100}])

        async def one(i, opened, go):
            reader, writer = await asyncio.open_connection("127.0.0.1", gw.port)
            opened.append(i)
            await go.wait()
            writer.write(frame(message("C%05d" % i, pid="P%d" % i)))
            await writer.drain()
            data = await reader.readuntil(EB + CR)
            writer.close()
            return Ack(data[data.index(SB) + 1:-2])

        async def run():
            opened, go = [], asyncio.Event()
            tasks = [asyncio.ensure_future(one(i, opened, go)) for i in range(n)]
            while len(opened) < n and not any(t.done() for t in tasks):
                await asyncio.sleep(0.05)
            open_at_once = len(opened)
            go.set()
            acks = await asyncio.wait_for(asyncio.gather(*tasks), 120)
            return open_at_once, acks

        t0 = time.monotonic()
        open_at_once, acks = asyncio.run(run())
        elapsed = time.monotonic() - t0
        self.assertEqual(open_at_once, n, "all connections open at once")
        self.assertEqual([a.code for a in acks], ["AA"] * n)
        self.assertEqual([a.control_id for a in acks], ["C%05d" % i for i in range(n)])
        print("\n  1000 concurrent connections: all AA in %.1f s" % elapsed, file=sys.stderr)
        rows = self.stop(gw)
        self.assertEqual(len(rows), n)
        self.assertEqual({r["sha256"] for r in rows}, {sha256(message("C%05d" % i, pid="P%d" % i)) for i in range(n)})

    def test_mllp_release_2_answers_commit_acknowledgements(self):
        gw = self.gateway(listeners=[{"mllp_release": 2}])
        with Mllp(gw.port) as c:
            c.send(frame(message("R2A")))
            self.assertEqual(c.recv_frame(), b"\x06")
            self.assertEqual(c.buf, b"")
            c.send(frame(NOT_HL7))
            self.assertEqual(c.recv_frame(), b"\x15", "a negative commit acknowledgement for unparseable input")
            c.send(frame(message("R2B")))
            self.assertEqual(c.recv_frame(), b"\x06")
            # The four bytes exactly.
            c.send(frame(message("R2C")))
            time.sleep(0.3)
            raw = c.sock.recv(64)
            self.assertEqual(raw, COMMIT_ACK)
        rows = self.stop(gw)
        for cid in ("R2A", "R2B", "R2C"):
            self.assert_stored_once(rows, message(cid))
        self.assert_stored_once(rows, NOT_HL7, status="rejected")


# ---- 5. backpressure ----------------------------------------------------------------------------

class BackpressureTest(GatewayTestCase):
    def test_a_full_queue_slows_the_sender_without_failing_it(self):
        gw = self.gateway(queue={"high_watermark": 20, "low_watermark": 10})
        sent = [message("BP%03d" % i, pid="P%d" % i) for i in range(50)]
        acked = []
        with Mllp(gw.port) as c:
            paused_at = None
            for i, m in enumerate(sent):
                c.send(frame(m))
                try:
                    a = c.ack(timeout=3 if acked else 10)
                except TimeoutError:
                    paused_at = i
                    break
                self.assertEqual((a.code, a.control_id), ("AA", "BP%03d" % i))
                acked.append(m)
            self.assertIsNotNone(paused_at, "all 50 acknowledged: no backpressure")
            # The rest are written (they fit in the socket buffers) and wait, unanswered, on an
            # open connection: the sender is slowed, not failed.
            for m in sent[paused_at + 1:]:
                c.send(frame(m))
            self.assertFalse(c.closed_within(2.0), "the connection stays open while paused")
            self.assertEqual(c.buf, b"", "nothing answered while paused (no AR, no CE)")
        print("\n  backpressure: %d of 50 acknowledged, then paused (high_watermark 20, no consumer)" % len(acked),
              file=sys.stderr)
        self.assertGreaterEqual(len(acked), 20)
        self.assertLessEqual(len(acked), 22)
        rows = self.stop(gw)
        self.assertEqual(sorted(r["sha256"] for r in rows), sorted(sha256(m) for m in acked),
                         "exactly the acknowledged messages are stored")
        self.assertEqual({r["status"] for r in rows}, {"ready"}, "nothing rejected")
        self.assertEqual(gw.events("mllp.rejected"), [])


# ---- 6. TLS -------------------------------------------------------------------------------------

def openssl(*args, cwd):
    r = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, timeout=60)
    if r.returncode != 0:
        raise AssertionError("openssl %s failed: %s" % (" ".join(args), r.stderr.decode()))


def make_certificates(d):
    """A CA, a server certificate for 127.0.0.1/localhost and a client certificate, all signed by it."""
    key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    openssl("req", "-x509", *key, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=medgw test CA",
            cwd=d)
    with open(os.path.join(d, "server.ext"), "w") as f:
        f.write("basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n"
                "extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n")
    with open(os.path.join(d, "client.ext"), "w") as f:
        f.write("basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth\n")
    for who in ("server", "client"):
        openssl("req", *key, "-keyout", who + ".key", "-out", who + ".csr", "-subj", "/CN=medgw test " + who, cwd=d)
        openssl("x509", "-req", "-in", who + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", who + ".pem", "-days", "2", "-extfile", who + ".ext", cwd=d)
    # A second CA that signed nothing the server knows.
    openssl("req", "-x509", *key, "-keyout", "other.key", "-out", "other.pem", "-days", "2", "-subj", "/CN=other",
            cwd=d)
    return {n: os.path.join(d, n) for n in ("ca.pem", "server.pem", "server.key", "client.pem", "client.key",
                                              "other.pem", "other.key")}


class TlsTest(GatewayTestCase):
    @classmethod
    def setUpClass(cls):
        if shutil.which("openssl") is None:
            raise AssertionError("the openssl CLI is missing: " + INSTALL_HINT)
        cls.certdir = tempfile.mkdtemp(prefix="medgw-integ-certs-")
        cls.certs = make_certificates(cls.certdir)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.certdir, ignore_errors=True)

    def send(self, port, *extra, host="127.0.0.1", control_id="TLS1"):
        path = self.write(control_id + ".hl7", message(control_id))
        return run_medgw("send", "--to", "%s:%d" % (host, port), "--timeout-ms", "5000", "--attempts", "1", *extra,
                         path)

    def test_tls_listener_accepts_medgw_send(self):
        c = self.certs
        gw = self.gateway(listeners=[{"tls": {"certificate": c["server.pem"], "private_key": c["server.key"]}}])
        r = self.send(gw.port, "--tls", "--ca", c["ca.pem"])
        self.assertEqual((r.returncode, r.stdout.decode()), (0, "TLS1 AA\n"), r.stderr.decode())
        r = self.send(gw.port, "--tls", "--ca", c["ca.pem"], host="localhost", control_id="TLS2")
        self.assertEqual((r.returncode, r.stdout.decode()), (0, "TLS2 AA\n"), r.stderr.decode())
        # The sender verifies the server: a CA that did not sign it is refused.
        r = self.send(gw.port, "--tls", "--ca", c["other.pem"], control_id="TLS3")
        self.assertEqual(r.returncode, 1)
        self.assertIn("TLS handshake failed", r.stdout.decode())
        # Plain TCP to a TLS port gets no acknowledgement.
        with Mllp(gw.port) as plain:
            plain.send(frame(message("PLAIN1")))
            plain.closed_within(5)
            self.assertNotIn(b"MSA", plain.buf)
            self.assertEqual(frames_in(plain.buf), [])
        rows = self.stop(gw)
        self.assertEqual(sorted(r["dedupe_key"] for r in rows), ["his|HIS^SZ-HOSP|TLS1", "his|HIS^SZ-HOSP|TLS2"])

    def test_mutual_tls_requires_a_client_certificate(self):
        c = self.certs
        gw = self.gateway(listeners=[{"tls": {"certificate": c["server.pem"], "private_key": c["server.key"],
                                              "ca": c["ca.pem"], "require_client_certificate": True}}])
        r = self.send(gw.port, "--tls", "--ca", c["ca.pem"], control_id="NOCERT")
        self.assertEqual(r.returncode, 1, r.stdout.decode())
        self.assertNotIn("AA", r.stdout.decode())
        self.assertTrue(gw.wait_event("mllp.tls_handshake_failed"))
        # A certificate from a CA the listener does not trust is refused too.
        r = self.send(gw.port, "--ca", c["ca.pem"], "--cert", c["other.pem"], "--key", c["other.key"],
                      control_id="OTHERCERT")
        self.assertEqual(r.returncode, 1, r.stdout.decode())
        r = self.send(gw.port, "--ca", c["ca.pem"], "--cert", c["client.pem"], "--key", c["client.key"],
                      control_id="WITHCERT")
        self.assertEqual((r.returncode, r.stdout.decode()), (0, "WITHCERT AA\n"), r.stderr.decode())
        rows = self.stop(gw)
        self.assertEqual([r["dedupe_key"] for r in rows], ["his|HIS^SZ-HOSP|WITHCERT"])


# ---- 7. medgw send ------------------------------------------------------------------------------

class SwallowingServer:
    """A tiny MLLP server: swallows the first `swallow` frames (no answer), answers the others AA."""

    def __init__(self, swallow=1):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.swallow = swallow
        self.frames = []
        self.connections = 0
        self.held = []
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        self.sock.settimeout(30)
        try:
            while True:
                conn, _ = self.sock.accept()
                self.connections += 1
                self.held.append(conn)
                threading.Thread(target=self.serve, args=(conn,), daemon=True).start()
        except OSError:
            return

    def serve(self, conn):
        buf = b""
        conn.settimeout(30)
        try:
            while True:
                data = conn.recv(65536)
                if not data:
                    return
                buf += data
                for payload in frames_in(buf):
                    self.frames.append(payload)
                    if len(self.frames) > self.swallow:
                        cid = payload.split(b"\r")[0].split(b"|")[9]
                        conn.sendall(frame(b"MSH|^~\\&|PEER|X|HIS|SZ-HOSP|20261123093001||ACK^A01^ACK|A%d|P|2.5.1\r"
                                           b"MSA|AA|" % len(self.frames) + cid + b"\r"))
                buf = buf[buf.rfind(EB + CR) + 2:] if EB + CR in buf else buf
        except OSError:
            return

    def close(self):
        self.sock.close()
        for c in self.held:
            c.close()


class SendCommandTest(GatewayTestCase):
    def test_prints_one_line_per_message_and_exits_0_when_all_accepted(self):
        gw = self.gateway()
        path = self.write("two.hl7", message("SEND1", terminator="\n") + message("SEND2", accept="AL", pid="P2",
                                                                                  terminator="\r\n"))
        r = run_medgw("send", "--to", "127.0.0.1:%d" % gw.port, path)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        self.assertEqual(r.stdout.decode(), "SEND1 AA\nSEND2 CA\n")
        rows = self.stop(gw)
        # The sender turns LF and CRLF into CR between segments.
        self.assert_stored_once(rows, message("SEND1"))
        self.assert_stored_once(rows, message("SEND2", accept="AL", pid="P2"))

    def test_exits_1_when_a_message_is_not_accepted(self):
        gw = self.gateway(listeners=[{"max_frame_bytes": 2048}])
        path = self.write("three.hl7", message("OK1") + big_message("TOOBIG", 5000) + message("OK2", pid="P2"))
        r = run_medgw("send", "--to", "127.0.0.1:%d" % gw.port, path)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stdout.decode(), "OK1 AA\nTOOBIG AR\nOK2 AA\n")
        self.assertIn("1 of 3 messages not accepted", r.stderr.decode())
        self.stop(gw)

    def test_retries_when_the_server_does_not_answer_in_time(self):
        server = SwallowingServer(swallow=1)
        try:
            path = self.write("one.hl7", message("RETRY1"))
            t0 = time.monotonic()
            r = run_medgw("send", "--to", "127.0.0.1:%d" % server.port, "--timeout-ms", "700", path)
            elapsed = time.monotonic() - t0
        finally:
            server.close()
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        self.assertEqual(r.stdout.decode(), "RETRY1 AA (attempts: 2)\n")
        self.assertEqual(len(server.frames), 2)
        self.assertEqual(server.frames[0], server.frames[1], "the same bytes are sent again")
        self.assertEqual(server.connections, 2, "the resend goes over a fresh connection")
        self.assertGreaterEqual(elapsed, 0.7)

    def test_gives_up_after_its_attempts_and_exits_1(self):
        server = SwallowingServer(swallow=100)
        try:
            path = self.write("one.hl7", message("NOANSWER1"))
            r = run_medgw("send", "--to", "127.0.0.1:%d" % server.port, "--timeout-ms", "300", "--attempts", "2", path)
        finally:
            server.close()
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stdout.decode(), "NOANSWER1 ERROR no acknowledgement within 300 ms (attempts: 2)\n")
        # No listener at all.
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        r = run_medgw("send", "--to", "127.0.0.1:%d" % port, "--attempts", "1", path)
        self.assertEqual(r.returncode, 1)
        self.assertTrue(r.stdout.decode().startswith("NOANSWER1 ERROR cannot connect"), r.stdout.decode())


# ---- 8. config validation -----------------------------------------------------------------------

class ConfigValidationTest(GatewayTestCase):
    def serve_fails(self, config_text, *expected):
        path = self.write("bad.yaml", config_text.encode())
        try:
            r = run_medgw("serve", "--config", path, timeout=20)
        except subprocess.TimeoutExpired:
            self.fail("medgw serve started on a bad config:\n" + config_text)
        self.assertNotEqual(r.returncode, 0)
        err = r.stderr.decode()
        for e in expected:
            self.assertIn(e, err)
        return err

    def config(self, listener_lines, queue_path=None):
        q = queue_path or os.path.join(self.tmp, "queue")
        return "queue:\n  path: %s\nlisteners:\n%s\n" % (json.dumps(q), listener_lines)

    def test_unknown_key(self):
        self.serve_fails(self.config("  - name: his\n    port: 0\n    max_frame_byte: 1000\n"),
                         "listeners[0].max_frame_byte", "unknown key")
        self.serve_fails("queue:\n  path: %s\n  high_watermarks: 5\n" % json.dumps(os.path.join(self.tmp, "q")),
                         "queue.high_watermarks", "unknown key")

    def test_wrong_type(self):
        self.serve_fails(self.config("  - name: his\n    port: twenty\n"), "listeners[0].port", "whole number")
        self.serve_fails(self.config("  - name: his\n    port: 0\n    tls: yes please\n"), "listeners[0].tls")
        self.serve_fails(self.config("  - name: his\n    port: 0\n    unmapped_types: drop\n"),
                         "listeners[0].unmapped_types", "expected reject or park")

    def test_missing_tls_file(self):
        missing = os.path.join(self.tmp, "nope.pem")
        self.serve_fails(self.config("  - name: his\n    port: 0\n    tls:\n      certificate: %s\n"
                                     "      private_key: %s\n" % (missing, missing)),
                         "listeners[0].tls.certificate", "nope.pem", "does not exist")

    def test_two_listeners_on_one_port(self):
        self.serve_fails(self.config("  - name: his\n    port: 2575\n  - name: lis\n    port: 2575\n"),
                         "listeners[1].port", "2575")

    def test_port_in_use_by_another_process(self):
        other = socket.socket()
        other.bind(("127.0.0.1", 0))
        other.listen(1)
        port = other.getsockname()[1]
        try:
            err = self.serve_fails(self.config("  - name: his\n    bind: 127.0.0.1\n    port: %d\n" % port),
                                   "listener his", str(port))
            self.assertIn("in use", err.lower())
        finally:
            other.close()


# ---- 9. graceful shutdown -----------------------------------------------------------------------

class ShutdownTest(GatewayTestCase):
    def test_sigterm_with_clients_connected_exits_0_and_logs_stopped(self):
        gw = self.gateway()
        idle = Mllp(gw.port)
        busy = Mllp(gw.port)
        partial = Mllp(gw.port)
        try:
            self.assertEqual(busy.exchange(message("SD1")).code, "AA")
            partial.send(SB + message("SD2")[:20])
            self.assertTrue(gw.wait_event("mllp.connected", count=3))
            # A message in flight when the signal arrives: if it is acknowledged, it is stored.
            busy.send(frame(message("SD3")))
            t0 = time.monotonic()
            gw.proc.send_signal(signal.SIGTERM)
            try:
                sd3 = busy.ack(timeout=5)
            except (TimeoutError, PeerClosed):
                sd3 = None
            rc = gw.proc.wait(10)
            elapsed = time.monotonic() - t0
            gw.reader.join(5)
            self.assertEqual(rc, 0, gw.log_text())
            self.assertLess(elapsed, 5.0)
            self.assertTrue(gw.events("gateway.stopped"), gw.log_text())
            for c in (idle, partial):
                self.assertTrue(c.closed_within(2), "clients are disconnected")
        finally:
            for c in (idle, busy, partial):
                c.close()
        rows = gw.messages()
        self.assert_stored_once(rows, message("SD1"))
        if sd3 is not None:
            self.assertEqual(sd3.code, "AA")
            self.assert_stored_once(rows, message("SD3"))
        self.assertNotIn(sha256(message("SD2")), [r["sha256"] for r in rows])


def setUpModule():
    # 1,000 concurrent connections need more than the usual 1,024 descriptors, in this process and
    # in the gateway it starts (which inherits the limit).
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 8192 if hard == resource.RLIM_INFINITY else min(hard, 8192)
    if soft != resource.RLIM_INFINITY and soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


if __name__ == "__main__":
    unittest.main(verbosity=2)
