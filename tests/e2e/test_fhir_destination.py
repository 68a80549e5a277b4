#!/usr/bin/python3
"""The FHIR destination (issue 5): committed change sets reach an external FHIR server as
transaction Bundles; retried and parked like any destination.

A FHIR server written here (http.server) takes POSTed transaction Bundles the way a FHIR server
does: each entry is a conditional update (`PUT Type?identifier=system|value`), applied to its own
store keyed by that search, answered with a transaction-response. The gateway (`medgw serve`) has
an MLLP listener, the pipeline, the SQLite CRM store and `fhir_destination:` pointing at it.

- ADT + ORU through MLLP (python3-hl7's mllp_send): the server holds one Patient, one
  DiagnosticReport and its ten Observations; every reference inside each Bundle points at an entry
  of that Bundle; the bearer token arrived; nothing was sent without it.
- The same report sent again (a new MSH-10, a corrected value): the server's resources are
  updated in place (same conditional URLs), none added.
- The server answers 503 to the first deliveries: retried with backoff until delivered.
- The server refuses one patient's Bundle (422 with an OperationOutcome whose diagnostics quote
  the data): that message is parked with "fhir destination: HTTP 422 (invalid)", the others flow,
  and the refused data appears nowhere in the gateway's log.

    /usr/bin/python3 tests/e2e/test_fhir_destination.py   # or: ctest --preset dev -R e2e_fhir_destination
"""
import http.server
import json
import os
import shutil
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import test_archive  # noqa: E402
from test_archive import MLLP_SEND, adt, oru  # noqa: E402

TOKEN = "dest-token-7c1e9a"
REFUSED_MRN = "200999"
SECRET = "refused because of 张三"  # what the server quotes in its diagnostics


class Receiver(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), ReceiverHandler)
        self.lock = threading.Lock()
        self.store = {}        # conditional URL -> (resource, version)
        self.bundles = []      # every Bundle received and applied
        self.fail_next = 0     # answer this many POSTs with 503
        self.unauthorized = 0  # POSTs without the token
        self.refused = 0


class ReceiverHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, doc):
        body = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/fhir+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        server = self.server
        length = int(self.headers.get("Content-Length", "0"))
        data = self.rfile.read(length)
        if self.path != "/fhir":
            return self.answer(404, {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "not-found"}]})
        if self.headers.get("Authorization") != "Bearer " + TOKEN:
            with server.lock:
                server.unauthorized += 1
            return self.answer(401, {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "login"}]})
        with server.lock:
            if server.fail_next > 0:
                server.fail_next -= 1
                return self.answer(503, {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "transient"}]})
        bundle = json.loads(data)
        if bundle.get("resourceType") != "Bundle" or bundle.get("type") != "transaction":
            return self.answer(400, {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "invalid"}]})
        for e in bundle["entry"]:
            r = e["resource"]
            if r["resourceType"] == "Patient" and any(i.get("value") == REFUSED_MRN for i in r.get("identifier", [])):
                with server.lock:
                    server.refused += 1
                return self.answer(422, {"resourceType": "OperationOutcome", "issue": [
                    {"severity": "error", "code": "invalid", "diagnostics": SECRET}]})
        out = []
        with server.lock:
            for e in bundle["entry"]:
                url = e["request"]["url"]
                assert e["request"]["method"] == "PUT", e["request"]
                old = server.store.get(url)
                version = old[1] + 1 if old else 1
                server.store[url] = (e["resource"], version)
                out.append({"response": {"status": "201 Created" if version == 1 else "200 OK"}})
            server.bundles.append(bundle)
        self.answer(200, {"resourceType": "Bundle", "type": "transaction-response", "entry": out})


def resources_of(store, kind):
    return [(url, r, v) for url, (r, v) in store.items() if r["resourceType"] == kind]


class FhirDestinationTest(unittest.TestCase):
    def setUp(self):
        if not os.access(MLLP_SEND, os.X_OK):
            self.fail("%s (Debian python3-hl7) is missing: run deploy/install-deps.sh" % MLLP_SEND)
        self.tmp = tempfile.mkdtemp(prefix="medgw-fhir-dest-")
        self.receiver = Receiver()
        threading.Thread(target=self.receiver.serve_forever, daemon=True).start()
        self.gw = test_archive.Gateway(self.tmp)
        port = self.receiver.server_address[1]
        with open(self.gw.config, "a") as f:
            f.write("fhir_destination:\n  base_url: http://127.0.0.1:%d/fhir\n  token_env: MEDGW_TEST_DEST_TOKEN\n"
                    "  connections: 2\n  request_timeout_ms: 5000\n" % port)
        os.environ["MEDGW_TEST_DEST_TOKEN"] = TOKEN

    def tearDown(self):
        try:
            self.gw.stop()
        finally:
            self.receiver.shutdown()
            self.receiver.server_close()
            if os.environ.get("MEDGW_KEEP_TMP"):
                print("kept", self.tmp)
            else:
                shutil.rmtree(self.tmp, ignore_errors=True)

    def wait(self, done, what, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.receiver.lock:
                if done():
                    return
            time.sleep(0.1)
        with open(self.gw.log_path, "rb") as f:
            self.fail("%s: not reached in %d s\nlog:\n%s" % (what, timeout, f.read().decode()[-3000:]))

    def test_reports_reach_the_fhir_server_idempotently_retried_and_parked(self):
        self.receiver.fail_next = 2  # the first deliveries meet a busy server
        self.gw.start()
        self.assertEqual(self.gw.send(adt("ADT1", "100234"), oru("LAB1", "100234", "F1001")), ["AA", "AA"])
        store = self.receiver.store
        self.wait(lambda: len(resources_of(store, "Observation")) == 10 and resources_of(store, "DiagnosticReport"),
                  "the report and its observations at the FHIR server")
        with self.receiver.lock:
            self.assertEqual(self.receiver.unauthorized, 0)
            self.assertEqual(len(resources_of(store, "Patient")), 1, [u for u, _, _ in resources_of(store, "Patient")])
            self.assertEqual(len(resources_of(store, "DiagnosticReport")), 1)
            for bundle in self.receiver.bundles:
                full_urls = {e["fullUrl"] for e in bundle["entry"]}
                for e in bundle["entry"]:
                    r = e["resource"]
                    refs = [r.get("subject", {}).get("reference")] if r["resourceType"] != "Patient" else []
                    refs += [x["reference"] for x in r.get("result", [])]
                    for ref in refs:
                        self.assertIn(ref, full_urls, "a reference outside its Bundle: %s" % ref)
            report = resources_of(store, "DiagnosticReport")[0][1]
            self.assertEqual(len(report["result"]), 10)
            glucose = [r for _, r, _ in resources_of(store, "Observation")
                       if any(c.get("code") == "GLU" for c in r["code"]["coding"])]
            self.assertEqual(len(glucose), 1)
            urls_before = set(store)
        # 503s were retried, never parked.
        self.assertFalse([e for e in self.gw.events() if e.get("event") == "pipeline.parked"])
        self.assertTrue([e for e in self.gw.events() if e.get("event") == "pipeline.delivery_retry"])

        # The same report again, corrected: updated in place.
        self.assertEqual(self.gw.send(oru("LAB2", "100234", "F1001", status="C", glucose="6.1")), ["AA"])
        self.wait(lambda: any(v == 2 for _, _, v in resources_of(store, "Observation")), "the correction")
        with self.receiver.lock:
            self.assertEqual(set(store), urls_before, "a redelivery or correction must not add resources")
            glucose = [r for _, r, _ in resources_of(store, "Observation")
                       if any(c.get("code") == "GLU" for c in r["code"]["coding"])]
            self.assertEqual(glucose[0]["valueQuantity"]["value"], 6.1)

        # A Bundle the server refuses: parked with the status and issue code, the data not logged.
        self.assertEqual(self.gw.send(adt("ADT9", REFUSED_MRN), adt("ADT10", "100235")), ["AA", "AA"])
        self.wait(lambda: len(resources_of(store, "Patient")) == 2, "the next patient after the refused one")
        deadline = time.monotonic() + 30
        parked = []
        while time.monotonic() < deadline and not parked:
            parked = [e for e in self.gw.events() if e.get("event") == "pipeline.parked"]
            time.sleep(0.1)
        self.assertEqual(len(parked), 1, parked)
        self.assertEqual(parked[0]["reason"], "fhir destination: HTTP 422 (invalid)")
        with open(self.gw.log_path, "rb") as f:
            log = f.read().decode(errors="replace")
        self.assertNotIn(SECRET, log)
        self.assertNotIn(TOKEN, log)


if __name__ == "__main__":
    unittest.main()
