#!/usr/bin/python3
"""The FHIR poller (issue 5), end to end: `medgw serve` polls an upstream FHIR server written here
(http.server, in this process) and every upstream resource lands in the queue, and through the
pipeline in the archive, exactly once.

The upstream is deliberately hard to poll:
- many resources share one meta.lastUpdated (tie groups of 60 and 25 across pages of _count=7);
- paging by offset `next` links computed at request time (as HAPI's _getpagesoffset), so resources
  updated during a poll shift the pages, and _count capped at 20, so a tie group of 60 can only be
  read through them;
- resources are added and updated while the gateway polls (new patients too);
- lastUpdated carries a +08:00 zone (the '+' must be escaped in the query);
- it fails: HTTP 500 now and then, 503 with Retry-After once, answers slower than the gateway's
  request timeout, and once it drops the connection in the middle of a page;
- it wants a bearer token (401 without), which must never appear in the gateway's log.

Checked at the end, from `medgw messages list --tsv` (gateway stopped) and `medgw archive show`:
the current version of every upstream resource is in the queue exactly once (its dedupe key
"<source>|<Type>/<id>/_history/<version>"), no dedupe key twice, nothing unknown, and every
patient's archive holds each of their observations once, with its latest value.

Also: mutual TLS against an HTTPS upstream (and an untrusted server certificate refused, nothing
stored), a wrong token (fhir_poll.unauthorized, nothing stored, the token not logged), and config
errors naming the key.

The kill -9 test kills the gateway with SIGKILL several times while it polls and restarts it on
the same queue: the same checks hold (the watermark moves in the same synced write as the
envelopes; a re-poll is absorbed by the dedupe keys).

    MEDGW_BIN=build/rtest/gateway/medgw /usr/bin/python3 tests/e2e/test_fhir_poller.py
    # or: ctest --test-dir build/rtest -R e2e_fhir_poller
MEDGW_POLL_SEED fixes the upstream's failures (default: from the clock, printed).
"""
import datetime
import json
import os
import random
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import test_archive  # noqa: E402  (the Gateway fixture)
from test_archive import MEDGW  # noqa: E402
from test_fhir_api import DecimalText  # noqa: E402  (a decimal written as its text: 5.20 stays 5.20)
from test_fhir_api import dumps_exact as dumps  # noqa: E402

SEED = int(os.environ.get("MEDGW_POLL_SEED") or int(time.time() * 1000) % 1_000_000_007)
SOURCE = "lis-fhir"
TOKEN = "upstream-token-5f2a9c7e1b3d"
TOKEN_ENV = "MEDGW_TEST_UPSTREAM_TOKEN"
MRN_SYSTEM = "urn:oid:1.2.156.112604.99.7"
LOINC = "http://loinc.org"
ZONE = datetime.timezone(datetime.timedelta(hours=8))
PAGE_SIZE = 7
MAX_COUNT = 20  # the server's own cap on _count: the tie groups (60, 25) need its next links
REQUEST_TIMEOUT_MS = 1500
SETTLE_TIMEOUT_S = 120.0


def instant(dt):
    """FHIR instant with milliseconds and the +08:00 zone."""
    return dt.astimezone(ZONE).isoformat(timespec="milliseconds")


def parse_instant(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


class Upstream:
    """The upstream FHIR server's data: current versions only (a search returns those)."""

    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.clock = datetime.datetime(2024, 5, 1, 8, 0, 0, tzinfo=ZONE)
        self.resources = {}  # (type, id) -> resource dict (with meta)
        self.requests = 0
        self.next_pages = 0  # searches that came from a next link (an _offset)
        self.failures = {"500": 0, "503": 0, "slow": 0, "drop": 0, "401": 0}
        self.dropped_once = False
        self.sent_503 = False
        self.fail = True
        self.patients = 0
        self.observations = 0

    def tick(self, ms=1):
        self.clock += datetime.timedelta(milliseconds=ms)
        return instant(self.clock)

    def put(self, resource, at=None):
        """Creates or updates (new version) a resource at instant `at` (default: a new tick)."""
        with self.lock:
            key = (resource["resourceType"], resource["id"])
            old = self.resources.get(key)
            version = int(old["meta"]["versionId"]) + 1 if old else 1
            resource = dict(resource)
            resource["meta"] = {"versionId": str(version), "lastUpdated": at or self.tick()}
            self.resources[key] = resource
            return resource

    def add_patient(self, at=None):
        with self.lock:
            self.patients += 1
            n = self.patients
        return self.put({"resourceType": "Patient", "id": "pat%d" % n,
                         "identifier": [{"system": MRN_SYSTEM, "value": "POLL-%d" % n}],
                         "name": [{"family": "Poll", "given": ["P%d" % n]}], "gender": "female",
                         "birthDate": "1980-01-%02d" % (1 + n % 28)}, at)

    def add_observation(self, patient_n, at=None, value=None):
        with self.lock:
            self.observations += 1
            n = self.observations
        return self.put(observation("obs%d" % n, patient_n, value if value is not None else "%d.50" % n), at)

    def search(self, rtype, params):
        ge = params.get("_lastUpdated", [""])[0]
        count = min(int(params.get("_count", ["10"])[0]), MAX_COUNT)
        offset = int(params.get("_offset", ["0"])[0])
        with self.lock:
            self.next_pages += offset > 0
            rows = [r for (t, _), r in self.resources.items() if t == rtype]
            if ge:
                assert ge.startswith("ge"), ge
                floor = parse_instant(ge[2:])
                rows = [r for r in rows if parse_instant(r["meta"]["lastUpdated"]) >= floor]
            # Sorted by lastUpdated, ties by id; offsets are taken at request time, so an update
            # during a poll shifts the pages after it (as offset paging does).
            rows.sort(key=lambda r: (parse_instant(r["meta"]["lastUpdated"]), r["id"]))
            page = rows[offset:offset + count]
            return page, offset + count < len(rows), offset + count

    def all_current(self):
        with self.lock:
            return {k: json.loads(json.dumps(v)) for k, v in self.resources.items()}


def observation(oid, patient_n, value):
    return {"resourceType": "Observation", "id": oid, "status": "final",
            "code": {"coding": [{"system": LOINC, "code": "2093-3", "display": "Cholesterol"}]},
            "subject": {"reference": "Patient/pat%d" % patient_n},
            "effectiveDateTime": "2024-05-01T08:00:00+08:00",
            "valueQuantity": {"value": DecimalText(value), "unit": "mmol/L", "system": "http://unitsofmeasure.org",
                              "code": "mmol/L"}}


def make_handler(up):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def send_json(self, status, doc, extra=None):
            body = dumps(doc).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/fhir+json")
            self.send_header("Content-Length", str(len(body)))
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            with up.lock:
                up.requests += 1
            if self.headers.get("Authorization") != "Bearer " + TOKEN:
                with up.lock:
                    up.failures["401"] += 1
                return self.send_json(401, {"resourceType": "OperationOutcome", "issue": [
                    {"severity": "error", "code": "login"}]})
            url = urllib.parse.urlsplit(self.path)
            params = urllib.parse.parse_qs(url.query)
            parts = url.path.strip("/").split("/")
            if len(parts) < 2 or parts[0] != "fhir":
                return self.send_json(404, {"resourceType": "OperationOutcome"})
            with up.lock:
                fail = up.fail
                roll = up.rng.random()
            if fail and roll < 0.08:
                with up.lock:
                    up.failures["500"] += 1
                return self.send_json(500, {"resourceType": "OperationOutcome"})
            if fail and roll < 0.12:
                with up.lock:
                    up.failures["slow"] += 1
                time.sleep(REQUEST_TIMEOUT_MS / 1000.0 + 0.5)  # past the gateway's request deadline
            if fail and roll > 0.97 and not up.sent_503:
                with up.lock:
                    up.sent_503 = True
                    up.failures["503"] += 1
                return self.send_json(503, {"resourceType": "OperationOutcome"}, {"Retry-After": "1"})
            if len(parts) == 3:  # GET /fhir/Patient/<id>
                r = up.all_current().get((parts[1], parts[2]))
                if r is None:
                    return self.send_json(404, {"resourceType": "OperationOutcome"})
                return self.send_json(200, r)
            rtype = parts[1]
            page, more, next_offset = up.search(rtype, params)
            bundle = {"resourceType": "Bundle", "type": "searchset",
                      "link": [{"relation": "self", "url": self.url(rtype, params, None)}],
                      "entry": [{"fullUrl": "http://%s/fhir/%s/%s" % (self.host(), rtype, r["id"]),
                                 "resource": r, "search": {"mode": "match"}} for r in page]}
            if more:
                bundle["link"].append({"relation": "next", "url": self.url(rtype, params, next_offset)})
            if fail and len(page) >= PAGE_SIZE and not up.dropped_once and up.requests > 20:
                # Once: the headers and half the page, then the connection drops.
                with up.lock:
                    up.dropped_once = True
                    up.failures["drop"] += 1
                body = dumps(bundle).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/fhir+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[:len(body) // 2])
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True
                return
            self.send_json(200, bundle)

        def host(self):
            return "127.0.0.1:%d" % self.server.server_address[1]

        def url(self, rtype, params, offset):
            q = {k: v[0] for k, v in params.items() if k != "_offset"}
            if offset is not None:
                q["_offset"] = str(offset)
            return "http://%s/fhir/%s?%s" % (self.host(), rtype, urllib.parse.urlencode(q))

    return Handler


class QuietServer(ThreadingHTTPServer):
    """The gateway gives up on a deliberately slow answer: the write then fails, as expected."""

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


class PollGateway(test_archive.Gateway):
    def log_tail(self, n=4000):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")[-n:]

    def __init__(self, workdir, upstream_port, types=("Patient", "Observation"), scheme="http", tls=None):
        self.upstream_port = upstream_port
        self.types = types
        self.scheme = scheme
        self.tls = tls or {}  # tls: keys of the source (ca, certificate, private_key)
        self.extra = ""  # more keys of the source, YAML lines
        super().__init__(workdir)

    def write_config(self, pipeline=True):
        super().write_config(pipeline)
        with open(self.config, "a") as f:
            f.write("fhir_sources:\n"
                    "  - name: %s\n"
                    "    base_url: %s://127.0.0.1:%d/fhir/\n"
                    "    resource_types: [%s]\n"
                    "    page_size: %d\n"
                    "    interval_ms: 150\n"
                    "    token_env: %s\n"
                    "    backoff_base_ms: 50\n"
                    "    backoff_max_ms: 400\n"
                    "    connect_timeout_ms: 1000\n"
                    "    request_timeout_ms: %d\n"
                    % (SOURCE, self.scheme, self.upstream_port, ", ".join(self.types), PAGE_SIZE, TOKEN_ENV,
                       REQUEST_TIMEOUT_MS))
            f.write(self.extra)
            if self.tls:
                f.write("    tls:\n" + "".join("      %s: %s\n" % (k, json.dumps(v)) for k, v in self.tls.items()))


def archive(gw, identifier):
    """`medgw archive show`, decimals read as their text (the archive keeps 5.20 as 5.20)."""
    r = subprocess.run([MEDGW, "archive", "show", "--config", gw.config, "--identifier", identifier, "--compact"],
                       capture_output=True, timeout=60)
    if r.returncode == 1:
        return None
    assert r.returncode == 0, r.stderr.decode()
    return json.loads(r.stdout, parse_float=str)


def queue_rows(gw):
    r = gw.messages("list", "--tsv", "--limit", "1000000")
    assert r.returncode == 0, r.stderr.decode()
    lines = r.stdout.decode().splitlines()
    header = lines[0].split("\t")
    return [dict(zip(header, line.split("\t"))) for line in lines[1:] if line]


class PollerTest(unittest.TestCase):
    def setUp(self):
        print("MEDGW_POLL_SEED=%d" % SEED, file=sys.stderr)
        self.tmp = tempfile.mkdtemp(prefix="medgw-poll-")
        self.up = Upstream(SEED)
        self.server = QuietServer(("127.0.0.1", 0), make_handler(self.up))
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        os.environ[TOKEN_ENV] = TOKEN
        self.gw = PollGateway(self.tmp, self.server.server_address[1])

    def tearDown(self):
        try:
            self.gw.stop()
        finally:
            self.server.shutdown()
            self.server.server_close()
            if os.environ.get("MEDGW_KEEP_TMP"):
                print("kept", self.tmp)
            else:
                shutil.rmtree(self.tmp, ignore_errors=True)

    # ---- the upstream's data ----

    def load_initial(self):
        up = self.up
        for _ in range(8):
            up.add_patient()
        tie = up.tick(1000)  # 60 observations at one instant, across 9 pages
        for i in range(60):
            up.add_observation(1 + i % 8, at=tie)
        for i in range(20):
            up.add_observation(1 + i % 8)
        tie2 = up.tick(1000)
        for i in range(25):
            up.add_observation(1 + (i * 3) % 8, at=tie2)

    def mutate_while_polling(self, rounds=12):
        """New patients, new observations (some sharing an instant), updates of old ones."""
        up = self.up
        for r in range(rounds):
            time.sleep(0.15)
            p = up.add_patient()
            n = int(p["id"][3:])
            tie = up.tick(5)
            for i in range(4):
                up.add_observation(n if i % 2 else 1 + i, at=tie)
            for _ in range(2):
                oid = "obs%d" % up.rng.randint(1, up.observations)
                old = up.all_current()[("Observation", oid)]
                patient_n = int(old["subject"]["reference"].split("pat")[1])
                up.put(observation(oid, patient_n, "%d.25" % (100 + r)))

    # ---- checks ----

    def wait_delivered(self):
        """Until every patient's archive holds all of their current observations."""
        deadline = time.monotonic() + SETTLE_TIMEOUT_S
        missing = None
        while time.monotonic() < deadline:
            missing = self.archive_problems()
            if not missing:
                return
            time.sleep(0.5)
        self.fail("not in the archive after %d s: %s\nlog:\n%s" % (
            SETTLE_TIMEOUT_S, missing[:10], self.gw.log_tail()))

    def archive_problems(self):
        current = self.up.all_current()
        expected = {}  # patient MRN -> {value text of each observation}
        for (t, _), r in current.items():
            if t == "Patient":
                expected.setdefault(r["identifier"][0]["value"], [])
        for (t, oid), r in current.items():
            if t == "Observation":
                n = r["subject"]["reference"].split("pat")[1]
                expected["POLL-%s" % n].append(str(r["valueQuantity"]["value"]))
        problems = []
        for mrn, values in sorted(expected.items()):
            bundle = archive(self.gw, MRN_SYSTEM + "|" + mrn)
            if bundle is None:
                problems.append("%s: no patient" % mrn)
                continue
            got = [str(e["resource"]["valueQuantity"]["value"]) for e in bundle.get("entry", [])
                   if e["resource"]["resourceType"] == "Observation"]
            # Values are distinct per observation; the archive shows each observation once.
            if sorted(got) != sorted(values):
                problems.append("%s: %d observations in the archive, %d upstream" % (mrn, len(got), len(values)))
        return problems

    def check_queue(self, rows):
        current = self.up.all_current()
        by_key = {}
        for row in rows:
            self.assertEqual(row["source"], SOURCE, row)
            by_key.setdefault(row["dedupe_key"], []).append(row)
        doubled = {k: len(v) for k, v in by_key.items() if len(v) > 1}
        self.assertEqual(doubled, {}, "stored twice")
        for (t, rid), r in current.items():
            key = "%s|%s/%s/_history/%s" % (SOURCE, t, rid, r["meta"]["versionId"])
            self.assertIn(key, by_key, "the current version of %s/%s is not in the queue" % (t, rid))
        pattern = re.compile(r"^%s\|(Patient|Observation)/([^/]+)/_history/(\d+)$" % re.escape(SOURCE))
        for key in by_key:
            m = pattern.match(key)
            self.assertIsNotNone(m, key)
            self.assertIn((m.group(1), m.group(2)), current, "stored, but the upstream never had it: " + key)
            self.assertLessEqual(int(m.group(3)), int(current[(m.group(1), m.group(2))]["meta"]["versionId"]))
        bad = [r for r in rows if r["status"] not in ("delivered",)]
        self.assertEqual(bad, [], "not delivered")

    def check_log(self):
        for i in range(self.gw.starts):
            with open(os.path.join(self.tmp, "serve-%d.log" % i), "rb") as f:
                text = f.read().decode(errors="replace")
            self.assertNotIn(TOKEN, text, "the bearer token is in the log")
            self.assertNotIn("POLL-", text, "an MRN is in the log")

    # ---- tests ----

    def test_every_resource_lands_once_despite_ties_paging_changes_and_failures(self):
        self.load_initial()
        self.gw.start()
        self.mutate_while_polling()
        self.wait_delivered()
        self.up.fail = False  # a last quiet poll or two, then the queue is read back
        time.sleep(1.0)
        self.wait_delivered()
        self.gw.stop()
        self.check_queue(queue_rows(self.gw))
        self.check_log()
        events = [e for i in range(self.gw.starts)
                  for e in test_archive.events_of(os.path.join(self.tmp, "serve-%d.log" % i))]
        failed = [e for e in events if e.get("event") == "fhir_poll.failed"]
        self.assertTrue(failed, "the upstream's failures were not seen: %s" % self.up.failures)
        self.assertTrue(self.up.dropped_once, "the connection was never dropped mid-page")
        self.assertEqual(self.up.failures["401"], 0)
        self.assertGreater(self.up.next_pages, 0, "no next link was followed")
        print("upstream: %d requests (%d by next links), failures %s; gateway: %d failed polls" % (
            self.up.requests, self.up.next_pages, self.up.failures, len(failed)), file=sys.stderr)

    def test_kill_9_while_polling_loses_nothing_and_doubles_nothing(self):
        self.load_initial()
        rng = random.Random(SEED + 1)
        mutator = threading.Thread(target=self.mutate_while_polling, args=(16,))
        self.gw.start()
        mutator.start()
        for _ in range(5):
            time.sleep(rng.uniform(0.2, 0.9))
            self.gw.kill9()
            self.gw.start()
        mutator.join()
        self.wait_delivered()
        self.up.fail = False
        time.sleep(1.0)
        self.wait_delivered()
        self.gw.stop()
        self.check_queue(queue_rows(self.gw))
        self.check_log()

    def make_cert(self, name):
        cert, key = os.path.join(self.tmp, name + ".pem"), os.path.join(self.tmp, name + ".key")
        r = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                            "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                           capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        return cert, key

    def test_mutual_tls_upstream(self):
        """HTTPS upstream that requires a client certificate: polled with tls.ca, certificate and
        private_key; a gateway that does not trust the server's certificate stores nothing."""
        server_cert, server_key = self.make_cert("upstream")
        client_cert, client_key = self.make_cert("medgw-client")
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(server_cert, server_key)
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(client_cert)
        self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
        self.up.fail = False
        for _ in range(3):
            self.up.add_patient()
        for i in range(10):
            self.up.add_observation(1 + i % 3)
        port = self.server.server_address[1]
        # Not trusted (no tls.ca: the system's store does not know a self-signed certificate).
        self.gw = PollGateway(self.tmp, port, scheme="https",
                              tls={"certificate": client_cert, "private_key": client_key})
        self.gw.start()
        deadline = time.monotonic() + 30
        while not any(e.get("event") == "fhir_poll.failed" and "TLS handshake" in e.get("reason", "")
                      for e in self.gw.events()):
            self.assertLess(time.monotonic(), deadline, "no TLS handshake failure logged:\n" + self.gw.log_tail())
            time.sleep(0.1)
        self.gw.stop()
        self.assertEqual(queue_rows(self.gw), [])
        self.gw = PollGateway(self.tmp, port, scheme="https",
                              tls={"ca": server_cert, "certificate": client_cert, "private_key": client_key})
        self.gw.start()
        self.wait_delivered()
        self.gw.stop()
        self.check_queue(queue_rows(self.gw))
        self.check_log()

    def test_config_errors_name_the_key(self):
        cases = [
            ("    bogus: 1\n", "fhir_sources[0].bogus: unknown key"),
            ("    tls:\n      ca: /nonexistent.pem\n", "fhir_sources[0].tls"),
        ]
        for extra, says in cases:
            self.gw.write_config()
            with open(self.gw.config, "a") as f:
                f.write(extra)
            r = subprocess.run([MEDGW, "serve", "--config", self.gw.config], capture_output=True, timeout=60)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn(says, r.stderr.decode())
        self.gw.write_config()
        with open(self.gw.config) as f:
            text = f.read().replace("[Patient, Observation]", "[Patient, Practitioner]")
        with open(self.gw.config, "w") as f:
            f.write(text)
        r = subprocess.run([MEDGW, "serve", "--config", self.gw.config], capture_output=True, timeout=60)
        self.assertIn("fhir_sources[0].resource_types[1]: 'Practitioner'", r.stderr.decode())
        del os.environ[TOKEN_ENV]
        self.gw.write_config()
        r = subprocess.run([MEDGW, "serve", "--config", self.gw.config], capture_output=True, timeout=60)
        self.assertIn("fhir_sources[0].token_env: the environment variable", r.stderr.decode())

    def test_a_page_over_the_body_limit_is_a_failure_not_a_partial_store(self):
        self.up.fail = False
        for _ in range(3):
            self.up.add_patient()
        self.gw.extra = "    max_body_bytes: 1024\n"
        self.gw.write_config()
        self.gw.start()
        deadline = time.monotonic() + 30
        while not any(e.get("event") == "fhir_poll.failed" and "exceeds 1024 bytes" in e.get("reason", "")
                      for e in self.gw.events()):
            self.assertLess(time.monotonic(), deadline, "no body-limit failure logged:\n" + self.gw.log_tail())
            time.sleep(0.1)
        self.gw.stop()
        self.assertEqual(queue_rows(self.gw), [])

    def test_a_wrong_token_is_refused_clearly_and_nothing_is_stored(self):
        self.up.add_patient()
        os.environ[TOKEN_ENV] = "not-the-token"
        self.gw.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if any(e.get("event") == "fhir_poll.unauthorized" for e in self.gw.events()):
                break
            time.sleep(0.1)
        else:
            self.fail("no fhir_poll.unauthorized in the log")
        self.gw.stop()
        self.assertEqual(queue_rows(self.gw), [])
        with open(self.gw.log_path, "rb") as f:
            self.assertNotIn("not-the-token", f.read().decode())


if __name__ == "__main__":
    unittest.main(verbosity=2)
