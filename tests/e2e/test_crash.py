#!/usr/bin/python3
"""Crash test: nothing acknowledged is ever lost (DESIGN.md, principle 1).

`medgw serve` runs on a temporary queue with an MLLP listener on port 0. Several client threads,
raw sockets speaking MLLP with one message outstanding each, send thousands of distinct messages
(unique MSH-10, sizes from a few hundred bytes to a few hundred KB, most with a PID from a small
pool of patients so ordering keys repeat, some in enhanced mode, some UTF-8 with Chinese names).
Meanwhile the gateway is killed with SIGKILL at random moments and restarted on the same queue
directory; its port changes and the clients reconnect to the new one. After a quarter of the kills
the next gateway is killed again while it is still opening the queue (a crash during recovery). A
couple of the restarts are graceful instead (SIGTERM under load: in-flight commits finish and are
answered, exit status 0).

What a client does when a connection dies before the ACK, as a real sender would: it resends the
same bytes (same MSH-10) after reconnecting, so the dedupe must answer it with the original ACK if
the first copy was stored. A quarter of the time it gives the message up instead, so some messages
never get an ACK; they may or may not be stored, and are only counted. A few messages that did get
their AA are deliberately sent again later: the answer must be the original ACK, byte for byte.

At the end the gateway is stopped with SIGTERM and `medgw messages list --tsv` is read back:
- every message that got AA/CA (MSA-2 = its MSH-10) is stored exactly once, byte-exact (SHA-256);
- no message is stored twice; the number of envelopes equals the number of distinct messages;
- nothing is stored that no client sent, and nothing valid is stored as rejected;
- no ACK had another MSH-10 in MSA-2, no valid message got AE/AR, no ACK took 30 s to come;
- the gateway never reported accepting what is not stored: every `mllp.accepted` log line (id,
  control id) and every `mllp.duplicate` answer names a stored envelope, and the queue's own
  counters at shutdown (appended, depth) equal what is stored.

    /usr/bin/python3 tests/e2e/test_crash.py      # or: ctest --preset dev -R e2e_crash

Environment (defaults keep one ctest run under two minutes on the ASan build):
    MEDGW_BIN             the binary (default build/dev/gateway/medgw); a release build runs more
    MEDGW_CRASH_SEED      seed of the messages, the clients' choices and the kill schedule (default:
                          from the clock; always printed). Thread timing is not seeded: a seed
                          replays the plan, not the exact interleaving.
    MEDGW_CRASH_ROUNDS    independent rounds, each on a fresh queue, seeds SEED, SEED+1, ... (1)
    MEDGW_CRASH_MESSAGES  at least this many distinct messages per round (3000); clients keep
                          sending until every kill is done, so every kill hits live traffic
    MEDGW_CRASH_KILLS     SIGKILLs per round (12), each 50-500 ms after the gateway listens
    MEDGW_CRASH_TERMS     graceful restarts (SIGTERM) under load, mixed in among the kills (2)
    MEDGW_CRASH_CLIENTS   client threads (8)
"""
import hashlib
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
MEDGW = os.environ.get("MEDGW_BIN") or os.path.join(REPO, "build", "dev", "gateway", "medgw")


def env_int(name, default):
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


SEED = env_int("MEDGW_CRASH_SEED", int(time.time() * 1000) % 1_000_000_007)
ROUNDS = env_int("MEDGW_CRASH_ROUNDS", 1)
MESSAGES = env_int("MEDGW_CRASH_MESSAGES", 3000)
KILLS = env_int("MEDGW_CRASH_KILLS", 12)
TERMS = env_int("MEDGW_CRASH_TERMS", 2)
CLIENTS = env_int("MEDGW_CRASH_CLIENTS", 8)

SB, EB, CR = b"\x0b", b"\x1c", b"\x0d"
LISTENER = "crash"
ACK_TIMEOUT_S = 30.0        # a live gateway answers far sooner, even under ASan
START_TIMEOUT_S = 60.0
ROUND_DEADLINE_S = 900.0    # a stuck round fails instead of hanging ctest
GIVE_UP_PROBABILITY = 0.25  # a connection died before the ACK: give the message up
RESEND_ACKED_PROBABILITY = 0.03
EARLY_KILL_PROBABILITY = 0.25  # after a kill, kill the next gateway again while it recovers
# A gateway outlives this script only if the script is killed (a ctest timeout): setpriv (util-linux)
# execs medgw with a parent-death signal, so it keeps its pid and dies with us.
DIE_WITH_US = ["setpriv", "--pdeathsig", "KILL"] if shutil.which("setpriv") else []
WORDS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789     .,-"


class RoundFailed(Exception):
    pass


# ---- messages -----------------------------------------------------------------------------------

class Msg:
    """One distinct message and what happened to it on the wire."""
    __slots__ = ("ctrl", "data", "sha", "sends", "lost", "accepted", "ack", "code", "given_up", "negative",
                 "bad_ack", "resent_acked", "resend_ack")

    def __init__(self, ctrl, data):
        self.ctrl = ctrl
        self.data = data
        self.sha = hashlib.sha256(data).hexdigest()
        self.sends = 0          # frames written (fully or partly)
        self.lost = 0           # sends whose connection died before an ACK came back
        self.accepted = False   # got AA/CA with MSA-2 == ctrl
        self.ack = None         # that ACK's bytes
        self.code = None
        self.given_up = False   # never got an ACK: the client stopped trying
        self.negative = []      # AE/AR/CE/CR codes received
        self.bad_ack = []       # ACKs whose MSA-2 is not ctrl, or unreadable
        self.resent_acked = False
        self.resend_ack = None  # the answer to a deliberate re-send after AA


# 1 MiB of report text: random bytes mapped onto WORDS (a join over random.choice takes seconds).
_POOL = random.Random(0).randbytes(1 << 20).translate(
    bytes(ord(WORDS[i % len(WORDS)]) for i in range(256))).decode("ascii")


def text(rng, n):
    """n characters of report text (a slice of a fixed random pool: cheap even for 300 KB)."""
    start = rng.randrange(0, len(_POOL) - n)
    return _POOL[start:start + n]


def build_message(rng, ctrl, client):
    """An ADT^A01 or ORU^R01 with a unique MSH-10; sizes vary over three orders of magnitude."""
    utf8 = rng.random() < 0.1
    enhanced = rng.random() < 0.1
    oru = rng.random() < 0.6
    fields = ["MSH", "^~\\&", "SYS%d" % (client % 3), "HOSP", "MEDGW", "CRM", time.strftime("%Y%m%d%H%M%S"), "",
              "ORU^R01^ORU_R01" if oru else "ADT^A01^ADT_A01", ctrl, "P", "2.5.1", "", "",
              "AL" if enhanced else "", "NE" if enhanced else "", "", "UNICODE UTF-8" if utf8 else ""]
    while fields[-1] == "":
        fields.pop()
    segs = ["|".join(fields), "EVN|A01|" + time.strftime("%Y%m%d%H%M%S")]
    if rng.random() < 0.8:  # the rest have no PID: their ordering key is the sender alone
        patient = rng.randrange(40)
        name = "王^小明%d" % patient if utf8 else "Patient%d^Test" % patient
        segs.append("PID|1||P%05d^^^BLH^MR||%s||19900307|%s" % (patient, name, rng.choice("MF")))
    size_class = rng.random()
    if size_class < 0.80:
        payload = rng.randrange(0, 2_000)
    elif size_class < 0.97:
        payload = rng.randrange(2_000, 32_000)
    else:
        payload = rng.randrange(32_000, 300_000)
    if oru:
        segs.append("OBR|1|%s||24331-1^Lipid panel^LN" % ctrl)
    n = 0
    while payload > 0:
        chunk = min(payload, rng.randrange(50, 8_000))
        n += 1
        segs.append("OBX|%d|TX|11502-2^Report^LN||%s||||||F" % (n, text(rng, chunk)))
        payload -= chunk
    return ("\r".join(segs) + "\r").encode("utf-8")


def read_ack(ack):
    """(MSA-1, MSA-2) of an ACK's bytes, or None."""
    try:
        s = ack.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not s.startswith("MSH") or len(s) < 4:
        return None
    fs = s[3]
    for seg in s.replace("\n", "\r").split("\r"):
        f = seg.split(fs)
        if f[0] == "MSA" and len(f) >= 3:
            return f[1], f[2]
    return None


# ---- the gateway --------------------------------------------------------------------------------

class Gateway:
    """`medgw serve` on one queue directory, killed and restarted; clients follow its port."""

    def __init__(self, workdir, config):
        self.workdir = workdir
        self.config = config
        self.cond = threading.Condition()
        self.port = None
        self.generation = 0
        self.proc = None
        self.logs = []
        self.kills = 0
        self.terms = 0
        self.early_kills = 0
        self.starts = 0
        self.start_seconds = 0.0  # how long the last start took, spawn to listening

    def start(self, kill_after=None):
        """Spawns `medgw serve` and waits until it listens; with kill_after (seconds), kills it
        that long after the spawn instead if it is still starting: a crash during recovery."""
        log_path = os.path.join(self.workdir, "serve-%03d.log" % self.starts)
        self.logs.append(log_path)
        self.starts += 1
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(DIE_WITH_US + [MEDGW, "serve", "--config", self.config],
                                    stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        self.proc = proc
        spawned = time.monotonic()
        deadline = spawned + START_TIMEOUT_S
        while True:
            if kill_after is not None and time.monotonic() - spawned >= kill_after:
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                self.early_kills += 1
                return
            port = self._listening_port(log_path)
            if port:
                if kill_after is not None:  # too late for a crash during recovery: kill it now
                    proc.send_signal(signal.SIGKILL)
                    proc.wait()
                    self.kills += 1
                    return
                break
            if proc.poll() is not None:
                raise RoundFailed("medgw serve exited with %s before listening:\n%s" % (proc.returncode, tail(log_path)))
            if time.monotonic() > deadline:
                raise RoundFailed("medgw serve did not listen within %ss:\n%s" % (START_TIMEOUT_S, tail(log_path)))
            time.sleep(0.002)
        self.start_seconds = time.monotonic() - spawned
        with self.cond:
            self.port = port
            self.generation += 1
            self.cond.notify_all()

    @staticmethod
    def _listening_port(log_path):
        with open(log_path, "rb") as f:
            for line in f:
                if b"mllp.listening" not in line:
                    continue
                try:
                    event = json.loads(line)
                except ValueError:
                    continue
                if event.get("event") == "mllp.listening":
                    return int(event["port"])
        return None

    def kill(self):
        with self.cond:
            self.port = None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.kills += 1

    def terminate(self):
        """SIGTERM: graceful stop. Returns the exit status."""
        with self.cond:
            self.port = None
        self.proc.send_signal(signal.SIGTERM)
        self.terms += 1
        try:
            return self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise RoundFailed("medgw serve did not stop within 60 s of SIGTERM:\n" + tail(self.logs[-1]))

    def cleanup(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def current(self, after_generation, stop):
        """(port, generation): waits briefly for a generation newer than `after_generation` (the
        one whose connection just failed), then for any listening gateway."""
        with self.cond:
            self.cond.wait_for(lambda: self.generation != after_generation or stop.is_set(), timeout=0.25)
            while self.port is None and not stop.is_set():
                self.cond.wait(timeout=0.25)
            return self.port, self.generation

    def events(self):
        """Every JSON log line of every run, in order."""
        out = []
        for path in self.logs:
            with open(path, "rb") as f:
                for line in f:
                    if not line.startswith(b"{"):
                        continue
                    try:
                        out.append(json.loads(line))
                    except ValueError:
                        pass  # a line cut by SIGKILL
        return out


def tail(path, n=30):
    try:
        with open(path, "rb") as f:
            return b"".join(f.readlines()[-n:]).decode("utf-8", "replace")
    except OSError as e:
        return str(e)


# ---- clients ------------------------------------------------------------------------------------

class Source:
    """Hands out new messages until the minimum is reached and the killer is done."""

    def __init__(self, minimum):
        self.lock = threading.Lock()
        self.minimum = minimum
        self.issued = 0
        self.messages = []
        self.killer_done = threading.Event()
        self.cap = max(minimum * 20, 100_000)

    def next(self, rng, client):
        with self.lock:
            if (self.issued >= self.minimum and self.killer_done.is_set()) or self.issued >= self.cap:
                return None
            self.issued += 1
            ctrl = "CR%07d" % self.issued
        m = Msg(ctrl, build_message(rng, ctrl, client))
        with self.lock:
            self.messages.append(m)
        return m


class Client(threading.Thread):
    def __init__(self, index, gateway, source, seed, stop):
        super().__init__(name="client-%d" % index, daemon=True)
        self.index = index
        self.gw = gateway
        self.source = source
        self.rng = random.Random(seed)
        self.stop = stop
        self.sock = None
        self.gen = 0
        self.buf = b""
        self.connects = 0
        self.timeouts = 0
        self.error = None

    def run(self):
        try:
            resend_later = []
            while not self.stop.is_set():
                m = self.source.next(self.rng, self.index)
                if m is None:
                    break
                self.deliver(m, resend=False)
                if m.accepted and self.rng.random() < RESEND_ACKED_PROBABILITY:
                    resend_later.append(m)
                while resend_later and self.rng.random() < 0.5:
                    self.deliver(resend_later.pop(0), resend=True)
            for m in resend_later:
                self.deliver(m, resend=True)
        except Exception as e:  # reported by the test, with the thread's name
            self.error = "%s: %r" % (self.name, e)
        finally:
            self.close()

    def close(self):
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass
        self.sock = None
        self.buf = b""

    def connect(self):
        failed_gen = self.gen
        while not self.stop.is_set():
            port, gen = self.gw.current(failed_gen, self.stop)
            if port is None:
                continue
            try:
                s = socket.create_connection(("127.0.0.1", port), timeout=5)
            except OSError:
                failed_gen = gen  # that gateway is dying: wait for the next one
                continue
            s.settimeout(ACK_TIMEOUT_S)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.sock, self.gen, self.buf = s, gen, b""
            self.connects += 1
            return True
        return False

    def exchange(self, m):
        """Sends m once and reads one ACK frame. None when the connection died first."""
        if self.sock is None and not self.connect():
            return None
        frame = SB + m.data + EB + CR
        m.sends += 1
        try:
            if len(frame) > 64 and self.rng.random() < 0.1:
                # A frame in two writes: a kill may land between them.
                cut = self.rng.randrange(1, len(frame) - 1)
                self.sock.sendall(frame[:cut])
                time.sleep(self.rng.uniform(0.001, 0.005))
                self.sock.sendall(frame[cut:])
            else:
                self.sock.sendall(frame)
            while EB + CR not in self.buf:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise ConnectionResetError("closed by the gateway")
                self.buf += chunk
        except socket.timeout:
            self.timeouts += 1
            self.close()
            return None
        except OSError:
            self.close()
            return None
        end = self.buf.index(EB + CR)
        ack, self.buf = self.buf[:end], self.buf[end + 2:]
        start = ack.find(SB)
        return ack[start + 1:] if start >= 0 else ack

    def deliver(self, m, resend):
        while not self.stop.is_set():
            ack = self.exchange(m)
            if ack is None:
                if resend:
                    continue  # already accepted once: keep asking
                m.lost += 1
                if self.rng.random() < GIVE_UP_PROBABILITY:
                    m.given_up = True
                    return
                continue
            parsed = read_ack(ack)
            if parsed is None or parsed[1] != m.ctrl:
                m.bad_ack.append(ack)
                self.close()  # out of step with this connection: start afresh
                continue
            code = parsed[0]
            if code not in ("AA", "CA"):
                m.negative.append(code)
                time.sleep(0.05)
                continue
            if resend:
                m.resent_acked = True
                m.resend_ack = ack
            else:
                m.accepted, m.ack, m.code = True, ack, code
            return


# ---- one round ----------------------------------------------------------------------------------

def run_round(seed, workdir):
    rng = random.Random(seed)
    io_threads = rng.choice([1, 2])
    queue_dir = os.path.join(workdir, "queue")
    config = os.path.join(workdir, "medgw.yaml")
    with open(config, "w") as f:
        f.write("log:\n  level: debug\n"  # mllp.accepted (id, control id) is a debug line
                "stats_interval_s: 3600\n"
                "io_threads: %d\n"
                "queue:\n  path: %s\n"
                "pipeline:\n  enabled: false\n"  # ingest only: the queue's contents are what is checked
                "listeners:\n  - name: %s\n    port: 0\n    bind: 127.0.0.1\n" % (io_threads, queue_dir, LISTENER))

    gw = Gateway(workdir, config)
    source = Source(MESSAGES)
    stop = threading.Event()
    clients = []
    started = time.monotonic()
    try:
        gw.start()
        clients = [Client(i, gw, source, rng.randrange(1 << 62), stop) for i in range(CLIENTS)]
        for c in clients:
            c.start()
        stops = ["kill"] * KILLS + ["term"] * TERMS
        rng.shuffle(stops)
        for how in stops:
            time.sleep(rng.uniform(0.05, 0.5))
            if how == "kill":
                gw.kill()
                if rng.random() < EARLY_KILL_PROBABILITY:
                    gw.start(kill_after=rng.uniform(0, gw.start_seconds))
            else:
                status = gw.terminate()
                if status != 0:
                    raise RoundFailed("medgw serve exited %s after SIGTERM under load:\n%s" % (status, tail(gw.logs[-1])))
            gw.start()
            if time.monotonic() - started > ROUND_DEADLINE_S:
                raise RoundFailed("round deadline passed while killing")
        source.killer_done.set()
        for c in clients:
            c.join(timeout=max(1.0, ROUND_DEADLINE_S - (time.monotonic() - started)))
            if c.is_alive():
                raise RoundFailed("%s still running at the round deadline (issued %d)" % (c.name, source.issued))
        errors = [c.error for c in clients if c.error]
        if errors:
            raise RoundFailed("client failed: " + "; ".join(errors))
        status = gw.terminate()
        if status != 0:
            raise RoundFailed("medgw serve exited %s after SIGTERM:\n%s" % (status, tail(gw.logs[-1])))
    finally:
        stop.set()
        source.killer_done.set()
        gw.cleanup()
    send_seconds = time.monotonic() - started

    p = subprocess.run([MEDGW, "messages", "list", "--config", config, "--tsv", "--limit", "1000000"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
    if p.returncode != 0:
        raise RoundFailed("medgw messages list exited %d: %s" % (p.returncode, p.stderr.decode("utf-8", "replace")))
    lines = p.stdout.decode("utf-8").split("\n")
    if lines[0].split("\t") != ["id", "status", "received", "source", "dedupe_key", "bytes", "sha256", "reason"]:
        raise RoundFailed("unexpected messages list header: %r" % lines[0])
    rows = [dict(zip(["id", "status", "received", "source", "dedupe_key", "bytes", "sha256", "reason"],
                     line.split("\t", 7))) for line in lines[1:] if line]
    return dict(seed=seed, io_threads=io_threads, gw=gw, clients=clients, messages=source.messages, rows=rows,
                events=gw.events(), send_seconds=send_seconds)


def check_round(r):
    """The failures of one round (empty: passed) and its summary line."""
    failures = []
    messages, rows, events = r["messages"], r["rows"], r["events"]
    by_ctrl = {m.ctrl: m for m in messages}
    stored = {}  # ctrl -> rows
    stray = []
    for row in rows:
        key = row["dedupe_key"]
        ctrl = key.rsplit("|", 1)[-1]
        if not key.startswith(LISTENER + "|") or ctrl not in by_ctrl:
            stray.append(row)
            continue
        stored.setdefault(ctrl, []).append(row)
    if stray:
        failures.append("%d stored envelope(s) match no message a client sent, e.g. %r" % (len(stray), stray[:3]))

    twice = {c: rs for c, rs in stored.items() if len(rs) > 1}
    if twice:
        failures.append("%d message(s) stored more than once, e.g. %s" % (
            len(twice), [(c, [x["id"] for x in rs]) for c, rs in list(twice.items())[:5]]))
    bad_bytes = [(c, rs[0]["id"]) for c, rs in stored.items()
                 if any(x["sha256"] != by_ctrl[c].sha or int(x["bytes"]) != len(by_ctrl[c].data) for x in rs)]
    if bad_bytes:
        failures.append("%d stored message(s) differ from the bytes sent, e.g. %s" % (len(bad_bytes), bad_bytes[:5]))
    rejected = [row for rs in stored.values() for row in rs if row["status"] == "rejected"]
    if rejected:
        failures.append("%d valid message(s) stored as rejected, e.g. %r" % (len(rejected), rejected[:3]))
    if len(rows) - len(stray) != len(stored):
        failures.append("stored %d envelopes for %d distinct messages" % (len(rows), len(stored)))

    accepted = [m for m in messages if m.accepted]
    lost = [m for m in accepted if m.ctrl not in stored]
    if lost:
        failures.append("LOSS: %d message(s) got AA/CA but are not stored, e.g. %s" % (
            len(lost), [(m.ctrl, m.code, m.sends, m.lost) for m in lost[:10]]))
    bad_acks = [m for m in messages if m.bad_ack]
    if bad_acks:
        failures.append("%d message(s) got an ACK whose MSA-2 is not their MSH-10, e.g. %s" % (
            len(bad_acks), [(m.ctrl, m.bad_ack[0][:200]) for m in bad_acks[:3]]))
    negative = [m for m in messages if m.negative]
    if negative:
        failures.append("%d valid message(s) got a negative ACK, e.g. %s" % (
            len(negative), [(m.ctrl, m.negative) for m in negative[:5]]))
    resent = [m for m in messages if m.resent_acked]
    not_original = [m for m in resent if m.resend_ack != m.ack]
    if not_original:
        failures.append("%d re-sent message(s) were not answered with their original ACK, e.g. %s" % (
            len(not_original), [(m.ctrl, m.ack[:120], m.resend_ack[:120]) for m in not_original[:3]]))
    timeouts = sum(c.timeouts for c in r["clients"])
    if timeouts:
        # A killed gateway's sockets are reset at once; only a live gateway can leave an ACK
        # unanswered for ACK_TIMEOUT_S.
        failures.append("%d ACK(s) not answered within %s s by a running gateway" % (timeouts, ACK_TIMEOUT_S))
    unanswered = [m for m in messages if not m.accepted and not m.given_up]
    if unanswered:
        failures.append("%d message(s) neither accepted nor given up: %s" % (
            len(unanswered), [m.ctrl for m in unanswered[:10]]))

    # What the gateway itself said it accepted must be stored, under the id it named.
    ids = {row["id"]: row for row in rows}
    accepted_logged = [e for e in events if e.get("event") == "mllp.accepted"]
    duplicates_logged = [e for e in events if e.get("event") == "mllp.duplicate"]
    missing_logged = [e for e in accepted_logged
                      if str(e.get("id")) not in ids
                      or ids[str(e.get("id"))]["dedupe_key"].rsplit("|", 1)[-1] != e.get("control_id")]
    if missing_logged:
        failures.append("LOSS: %d message(s) logged as accepted are not stored under that id, e.g. %s" % (
            len(missing_logged), missing_logged[:5]))
    missing_dup = [e for e in duplicates_logged if str(e.get("id")) not in ids]
    if missing_dup:
        failures.append("%d duplicate answer(s) name an envelope that is not stored, e.g. %s" % (
            len(missing_dup), missing_dup[:5]))
    # Each stored envelope is logged as accepted at most once (a kill between the commit and the
    # log line loses the line, never the envelope).
    if len(accepted_logged) > len(rows) or len({e.get("id") for e in accepted_logged}) != len(accepted_logged):
        failures.append("%d mllp.accepted lines for %d stored envelopes" % (len(accepted_logged), len(rows)))
    stopped = [e for e in events if e.get("event") == "gateway.stopped"]
    if not stopped:
        failures.append("no gateway.stopped line after SIGTERM")
    else:
        s = stopped[-1]
        for counter in ("appended", "queue_depth"):
            if s.get(counter) != len(rows):
                failures.append("the queue reports %s=%s at shutdown; %d envelopes are stored" % (
                    counter, s.get(counter), len(rows)))
        if s.get("rejected") != 0:
            failures.append("the queue reports rejected=%s at shutdown" % s.get("rejected"))

    given_up = [m for m in messages if m.given_up]
    given_up_stored = [m for m in given_up if m.ctrl in stored]
    lost_then_acked = [m for m in accepted if m.lost > 0]
    # Answered by the dedupe: the gateway logged a duplicate for the envelope (deliberately
    # re-sent messages left out: their re-send is a duplicate anyway).
    duplicate_ids = {e.get("id") for e in duplicates_logged}
    lost_then_acked_earlier_copy = [m for m in lost_then_acked
                                    if not m.resent_acked and m.ctrl in stored
                                    and int(stored[m.ctrl][0]["id"]) in duplicate_ids]
    gw = r["gw"]
    summary = "\n    ".join([
        "seed %d (io_threads %d, %.1f s of traffic):" % (r["seed"], r["io_threads"], r["send_seconds"]),
        "%d messages (%d bytes), %d AA/CA'd, %d stored" % (
            len(messages), sum(len(m.data) for m in messages), len(accepted), len(rows)),
        "%d SIGKILLs (%d of them during start-up), %d SIGTERM restarts under load, %d restarts, %d connects" % (
            gw.kills + gw.early_kills, gw.early_kills, gw.terms - 1, gw.starts - 1,
            sum(c.connects for c in r["clients"])),
        "ACKs lost to kills %d; resent and then AA'd %d, of which %d answered by the dedupe (first copy stored)" % (
            sum(m.lost for m in messages), len(lost_then_acked), len(lost_then_acked_earlier_copy)),
        "given up without an ACK %d, of which stored %d (allowed either way)" % (len(given_up), len(given_up_stored)),
        "deliberate re-sends of AA'd messages %d; duplicates answered (gateway log) %d; ACK timeouts %d" % (
            len(resent), len(duplicates_logged), timeouts),
    ])
    return failures, summary


class CrashTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not (os.path.isfile(MEDGW) and os.access(MEDGW, os.X_OK)):
            raise AssertionError("medgw binary not found at %s: build it (cmake --preset dev && cmake --build "
                                 "--preset dev) or set MEDGW_BIN" % MEDGW)

    def test_nothing_acknowledged_is_lost_across_kills(self):
        print("crash test: MEDGW_BIN=%s MEDGW_CRASH_SEED=%d MEDGW_CRASH_ROUNDS=%d MEDGW_CRASH_MESSAGES=%d "
              "MEDGW_CRASH_KILLS=%d MEDGW_CRASH_TERMS=%d MEDGW_CRASH_CLIENTS=%d" % (
                  MEDGW, SEED, ROUNDS, MESSAGES, KILLS, TERMS, CLIENTS),
              flush=True)
        for i in range(ROUNDS):
            seed = SEED + i
            with self.subTest(seed=seed):
                workdir = tempfile.mkdtemp(prefix="medgw-crash-")
                keep = True
                try:
                    failures, summary = check_round(run_round(seed, workdir))
                    print("  " + summary, flush=True)
                    if failures:
                        self.fail("seed %d (queue and logs kept in %s):\n  " % (seed, workdir) +
                                  "\n  ".join(failures))
                    keep = False
                except RoundFailed as e:
                    self.fail("seed %d (queue and logs kept in %s): %s" % (seed, workdir, e))
                finally:
                    if not keep:
                        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    unittest.main(verbosity=2)
