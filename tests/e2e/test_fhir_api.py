#!/usr/bin/python3
"""The FHIR R4 API (issue 5), end to end, with the built binary driven as a user drives it:
`medgw serve` on a temporary config (MLLP and the FHIR API on port 0, RocksDB queue, SQLite CRM
store, the pipeline on), HTTP from the standard library (http.client, urllib, ssl), an independent
FHIR client (fhir-kit-client, npm: tests/integration/fhir_kit_client_test.js), the independent FHIR
validators of tests/integration/validate_fhir.js, python3-hl7's mllp_send for v2, and sqlite3 for
the audit trail.

    MEDGW_BIN=build/dev/gateway/medgw /usr/bin/python3 tests/e2e/test_fhir_api.py
    # or: ctest --preset dev -R e2e_fhir_api

Covered: fhir-kit-client create/read/search/transaction; FHIR R4 validity of every read, search
and $everything answer; the HL7 R4 examples (/work/shared/corpus/fhir-r4/json, skipped when absent)
created and read back unchanged; 16 concurrent conditional creates give one patient; bearer access
(401, 403 by scope, the open CapabilityStatement); FHIR XML both ways (XML Patient, Observation and
transaction written and read back as XML and JSON, _format and Accept, XXE and billion laughs
refused, errors in XML); errors as OperationOutcomes (400, 404, 405, 406, 412, 413, 415, 422) and versioned updates (If-Match, ETag, vread); search (date ranges, _sort, paging
while writing, _include, name, birthdate); the audit trail; a v2 ADT's patient reached by a logical
(identifier) reference; Patient/$match (grades, scores, onlyCertainMatches, count, XML, errors, nothing
written); keep-alive; TLS.

One gateway serves every test of a class (each test uses its own identifiers), so the whole file
stays well under three minutes on the ASan build. MEDGW_KEEP_TMP=1 keeps the temporary directory.
"""
import hashlib
import http.client
import json
import os
import re
import shutil
import socket
import sqlite3
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse
import urllib.request
import uuid
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import test_archive  # noqa: E402  (the Gateway fixture, the v2 message builders)
from test_archive import MEDGW, MLLP_SEND, MRN_SYSTEM, REPO, adt  # noqa: E402

CORPUS = os.environ.get("MEDGW_FHIR_CORPUS", "/work/shared/corpus/fhir-r4/json")
INTEGRATION = os.path.join(REPO, "tests", "integration")
VALIDATE_FHIR = os.path.join(INTEGRATION, "validate_fhir.js")
FHIR_KIT_TEST = os.path.join(INTEGRATION, "fhir_kit_client_test.js")
MAX_BODY_BYTES = 65536
TYPES = ["Patient", "Encounter", "Observation", "DiagnosticReport", "ServiceRequest", "DocumentReference",
         "ImagingStudy"]
LOINC = "http://loinc.org"
TEST_ID_SYSTEM = "urn:oid:1.2.156.112604.99.1"  # identifiers the tests make up
FHIR_NS = "{http://hl7.org/fhir}"
XHTML_NS = "{http://www.w3.org/1999/xhtml}"

TOKENS = {
    "crm": ("crm-token-3f9a1c0e5b7d", ["system/*.*"]),
    "reader": ("reader-token-8e2d4b6a0c1f", ["system/*.read"]),
    "lis": ("lis-token-1b3d5f7a9c2e", ["system/Observation.write", "system/DiagnosticReport.write",
                                       "system/Patient.read"]),
}


class DecimalText(str):
    """A JSON number with a fraction or an exponent, as the text it was written as (json.loads
    parse_float): FHIR decimals keep their precision, "5.20" is not "5.2"."""


def dumps_exact(doc):
    """json.dumps with every DecimalText written as the number it was (json.dumps of a float
    would turn 66.899999999999991 into 66.89999999999999 before the server ever saw it)."""
    numbers = []

    def mark(x):
        if isinstance(x, DecimalText):
            numbers.append(str(x))
            return "\u0000dec%d\u0000" % (len(numbers) - 1)
        if isinstance(x, dict):
            return {k: mark(v) for k, v in x.items()}
        if isinstance(x, list):
            return [mark(v) for v in x]
        return x

    text = json.dumps(mark(doc))
    for i, n in enumerate(numbers):
        text = text.replace('"\\u0000dec%d\\u0000"' % i, n)
    return text


def unique(prefix):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:12])


class FhirGateway(test_archive.Gateway):
    """test_archive's Gateway (its site file, queue and CRM store in `workdir`) with the `fhir:`
    section: port 0 (the port is read from the fhir.listening log line), three API keys, a small
    max_body_bytes, optionally TLS."""

    def __init__(self, workdir, tls=None):
        self.tls = tls  # (certificate, private_key) or None
        self.fhir_port = None
        super().__init__(workdir)

    def write_config(self, pipeline=True):
        super().write_config(pipeline)
        lines = ["fhir:", "  enabled: true", "  bind: 127.0.0.1", "  port: 0", "  base_path: /fhir",
                 "  max_body_bytes: %d" % MAX_BODY_BYTES, "  apply_wait_ms: 30000", "  api_keys:"]
        for client, (token, scopes) in TOKENS.items():
            lines += ["    - client: %s" % client,
                      "      token_sha256: %s" % hashlib.sha256(token.encode()).hexdigest(),
                      "      scopes: [%s]" % ", ".join(scopes)]
        if self.tls:
            lines += ["  tls:", "    certificate: %s" % json.dumps(self.tls[0]),
                      "    private_key: %s" % json.dumps(self.tls[1])]
        with open(self.config, "a") as f:
            f.write("\n".join(lines) + "\n")

    def start(self):
        super().start()  # returns on mllp.listening
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            for e in self.events():
                if e.get("event") == "fhir.listening":
                    self.fhir_port = int(e["port"])
                    return self
            if self.proc.poll() is not None:
                raise AssertionError("medgw serve exited: " + self.log_tail())
            time.sleep(0.05)
        raise AssertionError("the FHIR API did not listen within 60 s:\n" + self.log_tail())

    def log_tail(self, n=3000):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")[-n:]


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # lower-case names
        self.body = body
        try:
            self.json = json.loads(body) if body else None
        except ValueError:
            self.json = None

    def header(self, name):
        return self.headers.get(name.lower())

    def __repr__(self):
        return "HTTP %d %s %s" % (self.status, json.dumps(self.headers), self.body[:2000].decode(errors="replace"))


class Client:
    """A FHIR client on one keep-alive http.client connection (reopened when the server closes it)."""

    def __init__(self, port, token=None, host="127.0.0.1", context=None):
        self.port = port
        self.token = token
        self.host = host
        self.context = context
        self.conn = None
        self.connections = 0  # how many TCP connections this client opened

    def _connect(self):
        if self.context is not None:
            self.conn = http.client.HTTPSConnection(self.host, self.port, timeout=60, context=self.context)
        else:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        self.connections += 1

    def close(self):
        if self.conn:
            self.conn.close()
            self.conn = None

    def request(self, method, path, body=None, headers=None, token=True):
        if not path.startswith("/"):
            path = "/fhir/" + path
        h = {"Accept": "application/fhir+json"}
        if body is not None:
            h["Content-Type"] = "application/fhir+json"
            if not isinstance(body, (bytes, str)):
                body = json.dumps(body)
            if isinstance(body, str):
                body = body.encode("utf-8")
        if token and self.token:
            h["Authorization"] = "Bearer " + self.token
        h.update(headers or {})
        for attempt in (0, 1):
            if self.conn is None:
                self._connect()
            try:
                self.conn.request(method, path, body=body, headers=h)
                r = self.conn.getresponse()
                data = r.read()
                headers_out = {k.lower(): v for k, v in r.getheaders()}
                if r.will_close:
                    self.close()
                return Response(r.status, headers_out, data)
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if attempt:
                    raise

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body, **kw):
        return self.request("POST", path, body, **kw)

    def put(self, path, body, **kw):
        return self.request("PUT", path, body, **kw)

    def get_url(self, url):
        """GET an absolute URL the server gave (a paging link), on this connection."""
        u = urllib.parse.urlsplit(url)
        return self.get(u.path + ("?" + u.query if u.query else ""))


def bundle_ids(bundle, mode=None):
    return ["%s/%s" % (e["resource"]["resourceType"], e["resource"]["id"]) for e in (bundle or {}).get("entry", [])
            if mode is None or e.get("search", {}).get("mode") == mode]


def link_of(bundle, relation):
    for link in (bundle or {}).get("link", []):
        if link.get("relation") == relation:
            return link.get("url")
    return None


def golden_of(patient):
    """The golden Patient ("Patient/7") a created Patient record links to (link type refer)."""
    for link in patient.get("link", []):
        if link.get("type") == "refer":
            return link["other"]["reference"]
    return None


def make_tls_cert(directory):
    cert = os.path.join(directory, "server.pem")
    key = os.path.join(directory, "server.key")
    r = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                        "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                       capture_output=True, timeout=60)
    if r.returncode != 0:
        raise AssertionError("openssl req failed: " + r.stderr.decode())
    return cert, key


class GatewayFixture(unittest.TestCase):
    """One gateway for the whole class (MEDGW_KEEP_TMP=1 keeps its directory)."""
    tls = False

    @classmethod
    def setUpClass(cls):
        if not os.access(MEDGW, os.X_OK):
            raise unittest.SkipTest("no medgw binary at %s (set MEDGW_BIN)" % MEDGW)
        cls.tmp = tempfile.mkdtemp(prefix="medgw-fhir-")
        cls.cert = make_tls_cert(cls.tmp) if cls.tls else None
        cls.gw = FhirGateway(cls.tmp, tls=cls.cert)
        try:
            cls.gw.start()
        except BaseException:
            cls.gw.stop()
            shutil.rmtree(cls.tmp, ignore_errors=True)
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            cls.gw.stop()
            # The ASan build reports memory errors and leaks on stderr, which is the serve log.
            for name in os.listdir(cls.tmp):
                if name.startswith("serve-") and name.endswith(".log"):
                    with open(os.path.join(cls.tmp, name), "rb") as f:
                        text = f.read().decode(errors="replace")
                    for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"):
                        if marker in text:
                            raise AssertionError("%s in %s:\n%s" % (marker, name, text[text.index(marker) - 200:][:4000]))
        finally:
            if os.environ.get("MEDGW_KEEP_TMP"):
                print("kept", cls.tmp)
            else:
                shutil.rmtree(cls.tmp, ignore_errors=True)

    def client(self, who="crm", token=None):
        c = Client(self.gw.fhir_port, token if token is not None else TOKENS[who][0])
        self.addCleanup(c.close)
        return c

    def expect(self, response, status, what):
        """Asserts the status, with the whole answer and the log tail in the failure message."""
        self.assertEqual(response.status, status, "%s: %r\nlog:\n%s" % (what, response, self.gw.log_tail(1500)))
        return response

    def expect_outcome(self, response, status, what):
        self.expect(response, status, what)
        self.assertIsNotNone(response.json, "%s: not JSON: %r" % (what, response))
        self.assertEqual(response.json.get("resourceType"), "OperationOutcome", "%s: %r" % (what, response))
        self.assertTrue(response.json.get("issue"), "%s: an OperationOutcome without issues: %r" % (what, response))
        self.assertEqual(response.json["issue"][0].get("severity"), "error", "%s: %r" % (what, response))
        self.assertIn("fhir+json", response.header("content-type") or "", what)
        return response

    def new_patient(self, c=None, family=None, given=None, birth=None, value=None):
        """Creates a Patient; returns (created record, golden id)."""
        body = {"resourceType": "Patient", "identifier": [{"system": TEST_ID_SYSTEM, "value": value or unique("P")}]}
        if family or given:
            body["name"] = [{k: v for k, v in (("family", family), ("given", [given] if given else None)) if v}]
        if birth:
            body["birthDate"] = birth
        r = self.expect((c or self.client()).post("Patient", body), 201, "create Patient")
        golden = golden_of(r.json)
        self.assertTrue(golden and golden.startswith("Patient/"), "the created Patient has no refer link: %r" % r)
        return r.json, golden.split("/", 1)[1]

    def new_observation(self, gid, c=None, when="2026-01-01T08:00:00+08:00", code="2093-3", status="final",
                        value=None):
        body = {"resourceType": "Observation", "status": status,
                "code": {"coding": [{"system": LOINC, "code": code}]},
                "subject": {"reference": "Patient/" + gid}, "effectiveDateTime": when}
        if value is not None:
            body["valueQuantity"] = {"value": value, "unit": "mmol/L"}
        r = self.expect((c or self.client()).post("Observation", body), 201, "create Observation")
        return r.json


class FhirApiTest(GatewayFixture):

    # ---- 1. an independent FHIR client ---------------------------------------------------------

    def test_fhir_kit_client_creates_reads_searches_and_posts_a_transaction(self):
        node = shutil.which("node")
        self.assertIsNotNone(node, "node is missing: run deploy/install-deps.sh")
        r = subprocess.run([node, FHIR_KIT_TEST, "http://127.0.0.1:%d/fhir" % self.gw.fhir_port, TOKENS["crm"][0],
                            uuid.uuid4().hex[:12]], capture_output=True, timeout=300, cwd=REPO)
        out = r.stdout.decode() + r.stderr.decode()
        self.assertEqual(r.returncode, 0, "fhir-kit-client against medgw:\n%s\nlog:\n%s" % (out[-6000:], self.gw.log_tail()))
        self.assertIn("all", out.splitlines()[-1])
        # And the script can fail: the wrong token makes every interaction after metadata a 401.
        r = subprocess.run([node, FHIR_KIT_TEST, "http://127.0.0.1:%d/fhir" % self.gw.fhir_port, "not-a-token-0123456789"],
                           capture_output=True, timeout=300, cwd=REPO)
        self.assertEqual(r.returncode, 1, r.stdout.decode()[-3000:] + r.stderr.decode()[-2000:])
        self.assertIn("401", r.stdout.decode())

    # ---- 2. FHIR R4 validity of what medgw emits -------------------------------------------------

    def test_every_answer_is_valid_fhir_r4(self):
        c = self.client()
        patient, gid = self.new_patient(c, family="Validsson", given="Ada", birth="1950-07-08")
        o1 = self.new_observation(gid, c, value=5.25)
        o2 = self.new_observation(gid, c, when="2026-01-02T09:00:00Z", code="2345-7", value=6.1)
        report = self.expect(c.post("DiagnosticReport", {
            "resourceType": "DiagnosticReport", "status": "final", "code": {"coding": [{"system": LOINC, "code": "24323-8"}]},
            "subject": {"reference": "Patient/" + gid}, "effectiveDateTime": "2026-01-02T09:00:00Z",
            "result": [{"reference": "Observation/" + o1["id"]}, {"reference": "Observation/" + o2["id"]}]}),
            201, "create DiagnosticReport").json
        changed = dict(o1, status="amended")
        self.expect(c.put("Observation/" + o1["id"], changed), 200, "update Observation")
        self.gw.send(adt(unique("VAL")[:20], "VAL" + uuid.uuid4().hex[:8]))  # a v2 patient in the archive too
        answers = {
            "metadata": c.get("metadata", token=False),
            "read-source-record": c.get("Patient/" + patient["id"]),
            "read-golden": c.get("Patient/" + gid),
            "read-report": c.get("DiagnosticReport/" + report["id"]),
            "vread": c.get("Observation/%s/_history/1" % o1["id"]),
            "history": c.get("Observation/%s/_history" % o1["id"]),
            "search-patient": c.get("Patient?identifier=%s|%s" % (TEST_ID_SYSTEM, patient["identifier"][0]["value"])),
            "search-observation": c.get("Observation?patient=%s&_sort=-date&_count=1" % gid),
            "search-include": c.get("DiagnosticReport?patient=%s&_include=DiagnosticReport:result" % gid),
            "search-summary-count": c.get("Observation?patient=%s&_summary=count" % gid),
            "everything": c.get("Patient/%s/$everything" % gid),
            "search-all-patients": c.get("Patient?_count=50"),
            "match": c.post("Patient/$match", {"resourceType": "Parameters", "parameter": [{"name": "resource", "resource": {
                "resourceType": "Patient", "name": [{"family": "Validsson", "given": ["Ada"]}], "birthDate": "1950-07-08"}}]}),
            "outcome-404": c.get("Observation/999999999"),
            "outcome-400": c.post("Patient", {"resourceType": "Patient", "foo": 1}),
        }
        pu = "urn:uuid:" + str(uuid.uuid4())
        answers["transaction-response"] = c.post("", {"resourceType": "Bundle", "type": "transaction", "entry": [
            {"fullUrl": pu, "resource": {"resourceType": "Patient", "identifier": [{"system": TEST_ID_SYSTEM, "value": unique("TX")}]},
             "request": {"method": "POST", "url": "Patient"}},
            {"resource": {"resourceType": "Observation", "status": "final", "code": {"text": "t"}, "subject": {"reference": pu}},
             "request": {"method": "POST", "url": "Observation"}}]})
        answers["batch-response"] = c.post("", {"resourceType": "Bundle", "type": "batch", "entry": [
            {"resource": {"resourceType": "Observation", "status": "final", "code": {"text": "b"}, "subject": {"reference": "Patient/" + gid}},
             "request": {"method": "POST", "url": "Observation"}},
            {"resource": {"resourceType": "Observation", "code": {"text": "no status"}, "subject": {"reference": "Patient/" + gid}},
             "request": {"method": "POST", "url": "Observation"}}]})
        statuses = [e.get("response", {}).get("status", "") for e in (answers["batch-response"].json or {}).get("entry", [])]
        self.assertEqual([x[:1] for x in statuses], ["2", "4"], "batch: each entry on its own: %r" % answers["batch-response"])
        # HL7's R4 JSON Schema (fhir.schema.json, used by validate_fhir.js) predates the 4.0.1
        # technical correction: its fhirVersion enum ends at "4.0.0", so the CapabilityStatement's
        # correct "4.0.1" is checked here and the validators see "4.0.0".
        metadata = answers.pop("metadata").json
        self.assertEqual(metadata.get("fhirVersion"), "4.0.1")
        metadata["fhirVersion"] = "4.0.0"
        answers["metadata"] = Response(200, {}, json.dumps(metadata).encode())
        d = tempfile.mkdtemp(dir=self.tmp)
        files = []
        for name, r in answers.items():
            self.assertIn(r.status, (200, 400, 404), "%s: %r" % (name, r))
            path = os.path.join(d, name + ".json")
            with open(path, "wb") as f:
                f.write(r.body)
            files.append(path)
        self.assertEqual(len(bundle_ids(answers["everything"].json)), 5, answers["everything"])  # 2 Patients, report, 2 results
        node = shutil.which("node")
        self.assertIsNotNone(node, "node is missing: run deploy/install-deps.sh")
        r = subprocess.run([node, VALIDATE_FHIR] + files, capture_output=True, timeout=600, cwd=REPO)
        self.assertEqual(r.returncode, 0, "medgw's answers are not valid FHIR R4:\n" + r.stdout.decode()[-5000:] +
                         r.stderr.decode()[-2000:])
        self.assertIn("0 failed", r.stdout.decode())

    # ---- 3. the HL7 R4 examples, created and read back ------------------------------------------

    corpus_cache = None

    def corpus_round_trip(self):
        """POSTs every example of a supported type (references rewritten, see below) and GETs it back.
        Returns [(file name, raw bytes, sent, POST response, GET response or None, whether the
        Patient's identifier was sent before, the subject's golden id, the subject's record id)]."""
        if not os.path.isdir(CORPUS):
            self.skipTest("no FHIR R4 example corpus at %s (MEDGW_FHIR_CORPUS)" % CORPUS)
        if FhirApiTest.corpus_cache is not None:
            return FhirApiTest.corpus_cache
        c = self.client()
        patient, gid = self.new_patient(c, family="Corpus", given="Subject", birth="1974-12-25")
        src = "Patient/" + patient["id"]

        def rewrite(x):
            # Every reference to a patient ("Patient/example", an absolute ".../Patient/77662", also
            # in contained resources) becomes the patient created above: the examples' patients are
            # not on this server. References to other types (Practitioner/f005, Organization/1, ...)
            # are kept: medgw takes them as they are.
            if isinstance(x, dict):
                return {k: (src if k == "reference" and isinstance(v, str) and "Patient/" in v else rewrite(v))
                        for k, v in x.items()}
            if isinstance(x, list):
                return [rewrite(v) for v in x]
            return x

        results = []
        seen_identifiers = set()
        for name in sorted(os.listdir(CORPUS)):
            if not name.endswith(".json"):
                continue
            with open(os.path.join(CORPUS, name), "rb") as f:
                raw = f.read()
            example = json.loads(raw)
            if example.get("resourceType") not in TYPES:
                continue
            if len(raw) > MAX_BODY_BYTES - 4096:
                continue  # DiagnosticReport-gingival-mass (730 KB of images): over this gateway's max_body_bytes
            sent = rewrite({k: v for k, v in example.items() if k not in ("id", "meta")})
            if sent["resourceType"] != "Patient":
                # Every clinical resource is filed under a patient: give the ones with a display-only
                # subject (ServiceRequest-ob) or none (Observation-decimal) the created patient.
                sent["subject"] = dict(sent.get("subject") or {}, reference=src)
            # The body carries the example's decimals as written (see dumps_exact).
            exact = self.merge_decimals(json.loads(json.dumps(sent), parse_float=DecimalText),
                                        json.loads(raw, parse_float=DecimalText))
            post = c.post(sent["resourceType"], dumps_exact(exact))
            got = c.get("%s/%s" % (sent["resourceType"], post.json.get("id"))) if post.status in (200, 201) else None
            # A Patient whose identifier an earlier example already sent is that record again
            # (Patient-mom repeats Patient-genetics-example1's SSN): medgw answers 200, version 2.
            ids = {(i.get("system"), i.get("value")) for i in sent.get("identifier", []) if i.get("value")}
            repeated = sent["resourceType"] == "Patient" and bool(ids & seen_identifiers)
            if sent["resourceType"] == "Patient":
                seen_identifiers |= ids
            results.append((name, raw, sent, post, got, repeated, gid, patient["id"]))
        FhirApiTest.corpus_cache = results
        return results

    @staticmethod
    def corpus_diff(sent, back, gid, src_id, exact_decimals, path, out):
        """Differences between what was sent and what came back. Allowed: a reference to the patient
        rewritten to the golden patient (and given "type": "Patient"), the refer link medgw adds to
        a Patient, the urn:uuid identifier it gives a Patient with none."""
        patient_refs = ("Patient/" + gid, "Patient/" + src_id)
        if isinstance(sent, dict) and isinstance(back, dict):
            if sent.get("reference") == "Patient/" + src_id and back.get("reference") in patient_refs:
                back = {k: v for k, v in back.items() if not (k == "type" and v == "Patient" and "type" not in sent)}
                sent = {k: v for k, v in sent.items() if k != "reference"}
                back = {k: v for k, v in back.items() if k != "reference"}
            if path == "Patient":
                # medgw links the record to its golden patient: one link of type refer it added.
                sent_links = sent.get("link", [])
                added = [l for l in back.get("link", []) if l.get("type") == "refer" and l not in sent_links and
                         re.fullmatch(r"Patient/\d+", l.get("other", {}).get("reference", ""))]
                if added:
                    back = dict(back)
                    back["link"] = [l for l in back["link"] if l is not added[0]]
                    if not back["link"]:
                        del back["link"]
                if not any(i.get("value") for i in sent.get("identifier", [])):
                    kept = [i for i in back.get("identifier", []) if i.get("system") != "urn:ietf:rfc:3986"]
                    back = dict(back)
                    if kept:
                        back["identifier"] = kept
                    else:
                        back.pop("identifier", None)
            for k in sorted(set(sent) | set(back)):
                if k not in back:
                    out.append("%s.%s dropped (sent %s)" % (path, k, json.dumps(sent[k], default=str)[:200]))
                elif k not in sent:
                    out.append("%s.%s added: %s" % (path, k, json.dumps(back[k], default=str)[:200]))
                else:
                    FhirApiTest.corpus_diff(sent[k], back[k], gid, src_id, exact_decimals, path + "." + k, out)
        elif isinstance(sent, list) and isinstance(back, list):
            if len(sent) != len(back):
                out.append("%s: %d items sent, %d back: sent %s, back %s" % (
                    path, len(sent), len(back), json.dumps(sent, default=str)[:200], json.dumps(back, default=str)[:200]))
            for i, (a, b) in enumerate(zip(sent, back)):
                FhirApiTest.corpus_diff(a, b, gid, src_id, exact_decimals, "%s[%d]" % (path, i), out)
        elif isinstance(sent, DecimalText) or isinstance(back, DecimalText):
            same = (str(sent) == str(back)) if exact_decimals else (float(str(sent)) == float(str(back)))
            if not same:
                out.append("%s: decimal %s sent, %s back" % (path, sent, back))
        elif type(sent) is not type(back) or sent != back:
            out.append("%s: %s sent, %s back" % (path, json.dumps(sent, default=str)[:200], json.dumps(back, default=str)[:200]))

    def check_corpus(self, exact_decimals):
        results = self.corpus_round_trip()
        self.assertGreater(len(results), 50, "too few examples of the supported types in %s" % CORPUS)
        problems = []
        for name, raw, sent, post, got, repeated, gid, src_id in results:
            expected_status = 200 if repeated else 201
            if post.status != expected_status:
                problems.append("%s: POST %s -> %r (expected %d)" % (name, sent["resourceType"], post, expected_status))
                continue
            if got is None or got.status != 200:
                problems.append("%s: GET %s/%s -> %r" % (name, sent["resourceType"], post.json.get("id"), got))
                continue
            # Decimals compared as the text the JSON had ("5.20" is not "5.2" for FHIR).
            sent_d = json.loads(json.dumps(sent), parse_float=DecimalText)
            # json.dumps of a Python float loses the example's text: take decimals from the raw file.
            original = json.loads(raw, parse_float=DecimalText)
            sent_d = self.merge_decimals(sent_d, original)
            back = json.loads(got.body, parse_float=DecimalText)
            self.assertEqual(back.get("id"), post.json.get("id"), name)
            back = {k: v for k, v in back.items() if k not in ("id", "meta")}
            out = []
            self.corpus_diff(sent_d, back, gid, src_id, exact_decimals, sent["resourceType"], out)
            if out:
                problems.append("%s (%s/%s):\n      %s" % (name, sent["resourceType"], post.json.get("id"), "\n      ".join(out)))
        self.assertEqual(problems, [], "%d of %d examples did not come back as sent:\n  %s" % (
            len(problems), len(results), "\n  ".join(problems)))

    @staticmethod
    def merge_decimals(sent, original):
        """`sent` with each float replaced by the decimal text at the same place in the original
        example (the rewrite only changed references, never numbers)."""
        if isinstance(sent, dict) and isinstance(original, dict):
            return {k: FhirApiTest.merge_decimals(v, original.get(k)) for k, v in sent.items()}
        if isinstance(sent, list) and isinstance(original, list) and len(sent) == len(original):
            return [FhirApiTest.merge_decimals(a, b) for a, b in zip(sent, original)]
        if isinstance(sent, DecimalText) and isinstance(original, DecimalText):
            return original
        return sent

    def test_corpus_examples_come_back_as_sent(self):
        self.check_corpus(exact_decimals=False)

    def test_corpus_decimals_keep_their_precision(self):
        # FHIR decimals keep their precision: "1.00" is not "1.0", 66.899999999999991 is not
        # 66.89999999999999 (Observation-decimal, Observation-body-height).
        self.check_corpus(exact_decimals=True)

    def test_corpus_read_backs_are_valid_fhir_r4(self):
        # What medgw gives back for the examples is as valid as what was sent: each example (as
        # sent) and its read-back through validate_fhir.js; an example the validators already flag
        # as sent (ServiceRequest-myringotomy's absolute https references) is left out.
        results = [r for r in self.corpus_round_trip() if r[4] is not None and r[4].status == 200]
        node = shutil.which("node")
        self.assertIsNotNone(node, "node is missing: run deploy/install-deps.sh")
        d = tempfile.mkdtemp(dir=self.tmp)

        def validate(kind, docs):
            files = []
            for name, doc in docs:
                path = os.path.join(d, "%s-%s" % (kind, name))
                with open(path, "wb") as f:
                    f.write(doc if isinstance(doc, bytes) else json.dumps(doc).encode())
                files.append(path)
            r = subprocess.run([node, VALIDATE_FHIR] + files, capture_output=True, timeout=600, cwd=REPO)
            self.assertIn(r.returncode, (0, 1), r.stdout.decode()[-3000:] + r.stderr.decode()[-3000:])
            failed = {line.split()[1].rstrip(":") for line in r.stdout.decode().splitlines() if line.startswith("FAIL ")}
            return {os.path.basename(f)[len(kind) + 1:] for f in failed}, r.stdout.decode()

        invalid_as_sent, _ = validate("sent", [(name, sent) for name, _, sent, *_ in results])
        print("\n    invalid as sent, left out: %s" % ", ".join(sorted(invalid_as_sent)), file=sys.stderr)
        kept = [(name, got.body) for name, _, _, _, got, *_ in results if name not in invalid_as_sent]
        self.assertGreater(len(kept), 40)
        invalid_back, report = validate("back", kept)
        self.assertEqual(sorted(invalid_back), [], "valid as sent, invalid as medgw gives it back:\n" + report[-5000:])

    # ---- 3b. FHIR XML both ways ------------------------------------------------------------------

    XML_HEADERS = {"Content-Type": "application/fhir+xml", "Accept": "application/fhir+xml"}

    def xml_of(self, response, what):
        self.assertIn("fhir+xml", response.header("content-type") or "", "%s: %r" % (what, response))
        try:
            return ET.fromstring(response.body)
        except ET.ParseError as e:
            self.fail("%s: not XML (%s): %r" % (what, e, response))

    def expect_xml_outcome(self, response, status, what):
        self.expect(response, status, what)
        root = self.xml_of(response, what)
        self.assertEqual(root.tag, FHIR_NS + "OperationOutcome", "%s: %r" % (what, response))
        severity = root.find(FHIR_NS + "issue/" + FHIR_NS + "severity")
        self.assertEqual(severity.get("value") if severity is not None else None, "error", "%s: %r" % (what, response))
        return root

    def test_xml_patient_and_observation_written_and_read_in_both_formats(self):
        c = self.client()
        value = unique("XML")
        patient_xml = """<?xml version="1.0" encoding="UTF-8"?>
<Patient xmlns="http://hl7.org/fhir">
  <!-- a comment is not data -->
  <text><status value="generated"/><div xmlns="http://www.w3.org/1999/xhtml"><p>Zhang &amp; &quot;San&quot;</p></div></text>
  <identifier><system value="%s"/><value value="%s"/></identifier>
  <name><family value="Zhang"/><given value="San"/><given><extension url="http://example.org/fhir/StructureDefinition/x"><valueString value="no value here"/></extension></given></name>
  <gender value="male"/>
  <birthDate value="1980-02-29"/>
</Patient>""" % (TEST_ID_SYSTEM, value)
        r = self.expect(c.post("Patient", patient_xml, headers=self.XML_HEADERS), 201, "create Patient in XML")
        created = self.xml_of(r, "create Patient in XML")
        self.assertEqual(created.tag, FHIR_NS + "Patient")
        pid = created.find(FHIR_NS + "id").get("value")
        # As JSON: the same data, the primitive extension in _given aligned by null.
        j = self.expect(c.get("Patient/" + pid), 200, "read the XML Patient as JSON").json
        self.assertEqual(j["identifier"], [{"system": TEST_ID_SYSTEM, "value": value}])
        self.assertEqual(j["name"][0]["family"], "Zhang")
        self.assertEqual(j["name"][0]["given"], ["San", None])
        self.assertEqual(j["name"][0]["_given"][0], None)
        self.assertEqual(j["name"][0]["_given"][1]["extension"][0]["valueString"], "no value here")
        self.assertEqual((j["gender"], j["birthDate"]), ("male", "1980-02-29"))
        self.assertEqual(j["text"]["div"], '<div xmlns="http://www.w3.org/1999/xhtml"><p>Zhang &amp; &quot;San&quot;</p></div>')
        # As XML, by _format and by Accept: the same again.
        for what, got in [("_format=xml", c.get("Patient/%s?_format=xml" % pid)),
                          ("Accept: application/fhir+xml", c.get("Patient/" + pid, headers={"Accept": "application/fhir+xml"}))]:
            x = self.xml_of(self.expect(got, 200, what), what)
            self.assertEqual(x.find(FHIR_NS + "identifier/" + FHIR_NS + "value").get("value"), value, what)
            self.assertEqual([g.get("value") for g in x.findall(FHIR_NS + "name/" + FHIR_NS + "given")], ["San", None], what)
            self.assertEqual(x.find(FHIR_NS + "birthDate").get("value"), "1980-02-29", what)
            self.assertIsNotNone(x.find(FHIR_NS + "text/" + XHTML_NS + "div/" + XHTML_NS + "p"), what)
        gid = golden_of(j).split("/", 1)[1]

        obs_xml = """<Observation xmlns="http://hl7.org/fhir">
  <status value="final"/>
  <code><coding><system value="http://loinc.org"/><code value="2093-3"/></coding></code>
  <subject><reference value="Patient/%s"/></subject>
  <effectiveDateTime value="2026-03-01T08:00:00+08:00"/>
  <valueQuantity><value value="5.20"/><unit value="mmol/L"/><system value="http://unitsofmeasure.org"/><code value="mmol/L"/></valueQuantity>
</Observation>""" % gid
        r = self.expect(c.post("Observation", obs_xml, headers=self.XML_HEADERS), 201, "create Observation in XML")
        oid = self.xml_of(r, "create Observation in XML").find(FHIR_NS + "id").get("value")
        j = self.expect(c.get("Observation/" + oid), 200, "read the XML Observation as JSON")
        back = json.loads(j.body, parse_float=DecimalText)
        self.assertEqual(str(back["valueQuantity"]["value"]), "5.20", "the decimal keeps its precision through XML")
        self.assertEqual(back["code"]["coding"], [{"system": LOINC, "code": "2093-3"}])
        self.assertEqual(back["effectiveDateTime"], "2026-03-01T08:00:00+08:00")
        x = self.xml_of(self.expect(c.get("Observation/%s?_format=application/fhir%%2Bxml" % oid), 200, "read as XML"), "xml")
        self.assertEqual(x.find(FHIR_NS + "valueQuantity/" + FHIR_NS + "value").get("value"), "5.20")
        # Searches answer Bundles in XML too, resources wrapped in entry/resource.
        x = self.xml_of(self.expect(c.get("Observation?patient=%s&_format=xml" % gid), 200, "search as XML"), "search")
        self.assertEqual(x.tag, FHIR_NS + "Bundle")
        ids = [e.get("value") for e in x.findall("%sentry/%sresource/%sObservation/%sid" % ((FHIR_NS,) * 4))]
        self.assertIn(oid, ids)

    def test_xml_transaction(self):
        c = self.client()
        value, pu = unique("XMLTX"), "urn:uuid:" + str(uuid.uuid4())
        bundle = """<Bundle xmlns="http://hl7.org/fhir"><type value="transaction"/>
<entry><fullUrl value="%s"/><resource><Patient><identifier><system value="%s"/><value value="%s"/></identifier></Patient></resource>
  <request><method value="POST"/><url value="Patient"/></request></entry>
<entry><resource><Observation><status value="final"/><code><text value="xml tx"/></code><subject><reference value="%s"/></subject>
  <valueQuantity><value value="1.50"/></valueQuantity></Observation></resource><request><method value="POST"/><url value="Observation"/></request></entry>
</Bundle>""" % (pu, TEST_ID_SYSTEM, value, pu)
        r = self.expect(c.post("", bundle, headers=self.XML_HEADERS), 200, "an XML transaction")
        x = self.xml_of(r, "transaction-response")
        self.assertEqual(x.find(FHIR_NS + "type").get("value"), "transaction-response")
        self.assertEqual([s.get("value") for s in x.findall("%sentry/%sresponse/%sstatus" % ((FHIR_NS,) * 3))],
                         ["201 Created", "201 Created"])
        found = self.expect(c.get("Patient?identifier=%s|%s" % (TEST_ID_SYSTEM, value)), 200, "search").json
        self.assertEqual(len(found.get("entry", [])), 1, found)

    def test_hostile_xml_is_refused_with_an_operation_outcome(self):
        c = self.client()
        xxe = """<?xml version="1.0"?><!DOCTYPE Patient [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Patient xmlns="http://hl7.org/fhir"><name><family value="&xxe;"/></name></Patient>"""
        laughs = '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">' + "".join(
            '<!ENTITY %s "%s">' % (chr(98 + i), ("&%s;" % chr(97 + i)) * 10) for i in range(8)) + \
            ']><Patient xmlns="http://hl7.org/fhir"><name><family value="&i;"/></name></Patient>'
        for what, body in [("XXE", xxe), ("billion laughs", laughs)]:
            with self.subTest(what):
                r = c.post("Patient", body, headers={"Content-Type": "application/fhir+xml", "Accept": "application/fhir+json"})
                self.expect_outcome(r, 400, what)
                self.assertNotIn(b"root:", r.body)
                self.assertIn("DOCTYPE", r.json["issue"][0]["diagnostics"])
                # Asked for XML, the OperationOutcome comes in XML.
                self.expect_xml_outcome(c.post("Patient", body, headers=self.XML_HEADERS), 400, what + " (XML answer)")
        self.expect_xml_outcome(c.post("Patient", "<Patient xmlns='http://hl7.org/fhir'><nickname value='x'/></Patient>",
                                       headers=self.XML_HEADERS), 400, "an unknown element in XML")
        self.expect_xml_outcome(c.post("Patient", "<Patient xmlns='http://hl7.org/fhir'><name>", headers=self.XML_HEADERS),
                                400, "XML that is not well-formed")

    def test_format_negotiation(self):
        c = self.client()
        patient, gid = self.new_patient(c)
        # _format overrides Accept, both ways.
        self.xml_of(self.expect(c.get("Patient/%s?_format=xml" % gid, headers={"Accept": "application/fhir+json"}), 200,
                                "_format=xml over Accept JSON"), "_format=xml")
        r = self.expect(c.get("Patient/%s?_format=json" % gid, headers={"Accept": "application/fhir+xml"}), 200,
                        "_format=json over Accept XML")
        self.assertIn("fhir+json", r.header("content-type"))
        self.expect(c.get("Patient/" + gid, headers={"Accept": "application/fhir+json, application/fhir+xml;q=0.5"}),
                    200, "Accept naming JSON first")
        self.assertIn("fhir+json", c.get("Patient/" + gid, headers={"Accept": "*/*"}).header("content-type"))
        self.xml_of(c.get("Patient/" + gid, headers={"Accept": "application/fhir+json;q=0.4, application/xml"}), "q-values")
        # Neither JSON nor XML: 406, in JSON.
        for what, r in [("_format=ttl", c.get("Patient/%s?_format=ttl" % gid)),
                        ("Accept: text/turtle", c.get("Patient/" + gid, headers={"Accept": "text/turtle"}))]:
            self.expect_outcome(r, 406, what)
        # Errors come in the format asked for.
        self.expect_xml_outcome(c.get("Observation/999999999?_format=xml"), 404, "a 404 in XML")
        # The CapabilityStatement tells the truth, in either format.
        cs = self.expect(c.get("metadata", token=False), 200, "metadata").json
        self.assertTrue({"json", "xml", "application/fhir+json", "application/fhir+xml"} <= set(cs["format"]), cs["format"])
        x = self.xml_of(self.expect(c.get("metadata?_format=xml", token=False), 200, "metadata in XML"), "metadata")
        self.assertIn("xml", [f.get("value") for f in x.findall(FHIR_NS + "format")])
        # A body of another content type is 415.
        self.expect_outcome(c.post("Patient", "x", headers={"Content-Type": "text/plain"}), 415, "text/plain body")

    # ---- 4. concurrent conditional creates ------------------------------------------------------

    def test_16_parallel_conditional_creates_leave_one_patient(self):
        value = unique("CC")
        body = json.dumps({"resourceType": "Patient", "identifier": [{"system": TEST_ID_SYSTEM, "value": value}],
                           "name": [{"family": "Concurrent", "given": ["Sixteen"]}], "birthDate": "1999-09-09"})
        criteria = "identifier=%s|%s" % (urllib.parse.quote(TEST_ID_SYSTEM, safe=""), value)
        barrier = threading.Barrier(16)
        answers = [None] * 16

        def create(i):
            c = Client(self.gw.fhir_port, TOKENS["crm"][0])
            try:
                barrier.wait(timeout=30)
                answers[i] = c.post("Patient", body, headers={"If-None-Exist": criteria})
            except Exception as e:  # reported below
                answers[i] = e
            finally:
                c.close()

        threads = [threading.Thread(target=create, args=(i,)) for i in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        statuses = sorted(a.status if isinstance(a, Response) else repr(a) for a in answers)
        self.assertEqual(statuses, [200] * 15 + [201], "answers: %r" % answers)
        created = [a for a in answers if a.status == 201][0].json
        found = [a.json for a in answers if a.status == 200]
        self.assertEqual(len({f["id"] for f in found}), 1, "the 200s name different patients: %r" % [f["id"] for f in found])
        for a in answers:
            self.assertIn(value, json.dumps(a.json.get("identifier")))
        search = self.expect(self.client().get("Patient?identifier=%s|%s" % (TEST_ID_SYSTEM, value)), 200, "search").json
        self.assertEqual(len(bundle_ids(search, "match")), 1, "one golden patient: %s" % json.dumps(search)[:3000])
        golden = bundle_ids(search, "match")[0]
        self.assertEqual(golden_of(created), golden, "the created record links to the one golden patient")
        self.assertEqual(golden_of(found[0]), golden, "the 200s name a record of that golden patient")
        # The 201 and the 200s must name the same resource: a client that keeps the id of its
        # conditional create must find it again with the next one.
        self.assertEqual(created["id"], found[0]["id"],
                         "conditional create: the 201 names Patient/%s, the fifteen 200s Patient/%s" % (
                             created["id"], found[0]["id"]))

    # ---- 5. access -------------------------------------------------------------------------------

    def test_access_by_token_and_scope(self):
        admin = self.client()
        patient, gid = self.new_patient(admin)
        obs = self.new_observation(gid, admin)
        anonymous = self.client(token="")
        r = self.expect_outcome(anonymous.get("Patient/" + gid), 401, "no token")
        self.assertTrue((r.header("www-authenticate") or "").startswith("Bearer"), r)
        self.expect_outcome(anonymous.post("Patient", {"resourceType": "Patient"}), 401, "no token, POST")
        wrong = self.client(token="wrong-token-0123456789abcdef")
        r = self.expect_outcome(wrong.get("Patient/" + gid), 401, "wrong token")
        self.assertTrue((r.header("www-authenticate") or "").startswith("Bearer"), r)
        self.expect_outcome(self.client(token=TOKENS["crm"][0] + "x").get("Patient/" + gid), 401, "a token with one more character")
        r = self.expect_outcome(self.client().get("Patient/" + gid, headers={"Authorization": "Basic Y3JtOnNlY3JldA=="}),
                                401, "Basic instead of Bearer")

        reader = self.client("reader")
        self.expect(reader.get("Patient/" + gid), 200, "reader reads a Patient")
        self.expect(reader.get("Observation/" + obs["id"]), 200, "reader reads an Observation")
        self.expect(reader.get("Observation?patient=" + gid), 200, "reader searches")
        self.expect(reader.get("Patient/%s/$everything" % gid), 200, "reader: $everything")
        self.expect_outcome(reader.post("Patient", {"resourceType": "Patient"}), 403, "reader creates a Patient")
        self.expect_outcome(reader.post("Observation", {
            "resourceType": "Observation", "status": "final", "code": {"text": "x"}, "subject": {"reference": "Patient/" + gid}}),
            403, "reader creates an Observation")
        self.expect_outcome(reader.put("Observation/" + obs["id"], obs), 403, "reader updates")
        self.expect_outcome(reader.post("", {"resourceType": "Bundle", "type": "transaction", "entry": [
            {"resource": {"resourceType": "Patient"}, "request": {"method": "POST", "url": "Patient"}}]}),
            403, "reader posts a transaction")

        lis = self.client("lis")
        r = self.expect(lis.post("Observation", {"resourceType": "Observation", "status": "final", "code": {"text": "lis"},
                                                 "subject": {"reference": "Patient/" + gid}}), 201, "lis creates an Observation")
        self.expect_outcome(lis.post("Patient", {"resourceType": "Patient"}), 403, "lis creates a Patient")
        self.expect_outcome(lis.get("Observation/" + r.json["id"]), 403, "lis reads an Observation")
        self.expect_outcome(lis.get("Observation?patient=" + gid), 403, "lis searches Observations")
        self.expect_outcome(lis.get("Patient/%s/$everything" % gid), 403, "lis: $everything")
        self.expect(lis.get("Patient/" + gid), 200, "lis reads a Patient")
        # A transaction writing a Patient needs Patient.write, even from a client that may write the rest.
        self.expect_outcome(lis.post("", {"resourceType": "Bundle", "type": "transaction", "entry": [
            {"fullUrl": "urn:uuid:" + str(uuid.uuid4()), "resource": {"resourceType": "Patient", "identifier": [
                {"system": TEST_ID_SYSTEM, "value": unique("LIS")}]}, "request": {"method": "POST", "url": "Patient"}}]}),
            403, "lis posts a transaction with a Patient")

        r = self.expect(anonymous.get("metadata"), 200, "metadata without a token")
        cs = r.json
        self.assertEqual(cs["resourceType"], "CapabilityStatement")
        self.assertEqual(cs["fhirVersion"], "4.0.1")
        self.assertIn("json", " ".join(cs.get("format", [])))
        listed = [res["type"] for rest in cs["rest"] for res in rest.get("resource", [])]
        self.assertEqual(sorted(listed), sorted(TYPES), "the CapabilityStatement lists the 7 types")

    # ---- 6. errors, updates, versions ------------------------------------------------------------

    def test_errors_are_operation_outcomes(self):
        c = self.client()
        patient, gid = self.new_patient(c)
        subject = {"reference": "Patient/" + gid}
        obs = {"resourceType": "Observation", "status": "final", "code": {"text": "x"}, "subject": subject}

        def outcome(response, status, what):
            # Each its own subtest: one wrong answer does not hide the others.
            with self.subTest(what):
                if status == "4xx":
                    self.assertTrue(400 <= response.status < 500, "%s: %r" % (what, response))
                    status = response.status
                self.expect_outcome(response, status, what)

        outcome(c.post("Patient", '{"resourceType": "Patient", '), 400, "invalid JSON")
        outcome(c.post("Patient", "[]"), 400, "JSON that is not an object")
        outcome(c.post("Patient", {"resourceType": "Patient", "nickname": "x"}), 400, "unknown element")
        outcome(c.post("Patient", {"resourceType": "Patient", "name": [{"family": "x", "surname": "y"}]}), 400,
                "unknown element in a datatype")
        outcome(c.post("Patient", {"resourceType": "Patient", "birthDate": "19800229"}), "4xx", "a malformed date")
        outcome(c.post("Observation", {k: v for k, v in obs.items() if k != "status"}), "4xx", "Observation without status")
        outcome(c.post("Observation", dict(obs, status="done")), "4xx",
                "Observation.status outside its required value set (\"done\")")
        outcome(c.post("Patient", {"resourceType": "Patient", "gender": "x"}), "4xx",
                "Patient.gender outside its required value set (\"x\")")
        outcome(c.post("Encounter", {"resourceType": "Encounter", "status": "bogus", "class": {
            "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "IMP"}, "subject": subject}), "4xx",
                "Encounter.status outside its required value set (\"bogus\")")
        outcome(c.post("Observation", {"resourceType": "Patient"}), 400,
                "the body's resourceType is not the URL's (POST Observation with a Patient body)")
        outcome(c.get("Medication/1"), 404, "unknown type (read)")
        outcome(c.post("Medication", {"resourceType": "Medication"}), 404, "unknown type (create)")
        outcome(c.get("Observation/999999999"), 404, "unknown id")
        outcome(c.request("DELETE", "Patient/" + gid), 405, "DELETE")
        outcome(c.post("Observation", dict(obs, subject={"reference": "Patient/999999999"})), 422, "unknown subject")
        outcome(c.post("Observation", dict(obs, subject={"identifier": {"system": MRN_SYSTEM, "value": unique("NOBODY")}})),
                422, "a subject identifier nobody holds")
        big = {"resourceType": "Patient", "identifier": [{"system": TEST_ID_SYSTEM, "value": unique("BIG")}],
               "text": {"status": "generated", "div": '<div xmlns="http://www.w3.org/1999/xhtml">%s</div>' % ("x" * MAX_BODY_BYTES)}}
        outcome(self.client().post("Patient", big), 413, "body over max_body_bytes")
        outcome(c.put("Observation/999999999", dict(obs, id="999999999")), 404, "update of a missing id")
        outcome(c.get("Observation?patient=%s&_count=x" % gid), 400, "a malformed _count")
        # A transaction is all or nothing: one bad entry refuses it, its valid Patient is not stored.
        pu, tx_value = "urn:uuid:" + str(uuid.uuid4()), unique("TXBAD")
        outcome(c.post("", {"resourceType": "Bundle", "type": "transaction", "entry": [
            {"fullUrl": pu, "resource": {"resourceType": "Patient", "identifier": [{"system": TEST_ID_SYSTEM, "value": tx_value}]},
             "request": {"method": "POST", "url": "Patient"}},
            {"resource": {"resourceType": "Observation", "code": {"text": "no status"}, "subject": {"reference": pu}},
             "request": {"method": "POST", "url": "Observation"}}]}), "4xx", "a transaction with an invalid entry")
        with self.subTest("the refused transaction stored nothing"):
            r = self.expect(c.get("Patient?identifier=%s|%s" % (TEST_ID_SYSTEM, tx_value)), 200, "search")
            self.assertEqual(bundle_ids(r.json), [], r)
        outcome(c.post("", {"resourceType": "Bundle", "type": "collection"}), 400, "a Bundle that is not a transaction or batch")
        # Nothing of the refused requests reached the archive.
        everything = self.expect(c.get("Patient/%s/$everything" % gid), 200, "$everything").json
        self.assertEqual([i for i in bundle_ids(everything) if not i.startswith("Patient/")], [],
                         "a refused request was stored: %s" % json.dumps(everything)[:3000])

    def test_a_refused_update_does_not_hold_back_the_next_write(self):
        # PUT to a golden patient's id is refused (medgw updates the records clients wrote, not the
        # golden patients it computes); the client is told so, and nothing of it may linger.
        c = self.client()
        patient, gid = self.new_patient(c, family="Refused")
        refused = c.put("Patient/" + gid, {"resourceType": "Patient", "id": gid, "identifier": patient["identifier"],
                                           "gender": "female"})
        self.assertTrue(400 <= refused.status < 500, "PUT Patient/<golden id>: %r" % refused)
        self.expect_outcome(refused, refused.status, "PUT Patient/<golden id>")
        started = time.monotonic()
        r = c.put("Patient/" + patient["id"], dict(patient, gender="female"))
        took = time.monotonic() - started
        parked = [e for e in self.gw.events() if e.get("event") == "pipeline.parked"]
        self.assertEqual(r.status, 200, "PUT Patient/%s after a refused PUT Patient/%s: %r after %.1f s; parked: %s" % (
            patient["id"], gid, r, took, parked))
        self.assertEqual(r.json["gender"], "female")
        self.assertEqual(self.expect(c.get("Patient/" + patient["id"]), 200, "read").json.get("gender"), "female")

    def test_a_new_patient_starts_at_version_1(self):
        c = self.client()
        for i in range(3):
            patient, gid = self.new_patient(c)
            self.assertEqual(patient["meta"]["versionId"], "1", patient)
            golden = self.expect(c.get("Patient/" + gid), 200, "read the golden patient")
            history = self.expect(c.get("Patient/%s/_history" % gid), 200, "history").json
            versions = sorted(int(e["resource"]["meta"]["versionId"]) for e in history["entry"])
            self.assertEqual(versions, list(range(1, len(versions) + 1)),
                             "Patient/%s (new golden patient) has versions %s; its ETag is %s" % (
                                 gid, versions, golden.header("etag")))
            self.expect(c.get("Patient/%s/_history/1" % gid), 200, "vread 1 of a new golden patient")

    def test_update_with_if_match_and_vread(self):
        c = self.client()
        patient, gid = self.new_patient(c)
        created = self.new_observation(gid, c, status="preliminary", value=4.5)
        oid = created["id"]
        self.assertEqual(created["meta"]["versionId"], "1")
        changed = dict(created, status="final", valueQuantity={"value": 4.7, "unit": "mmol/L"})
        self.expect_outcome(c.put("Observation/" + oid, changed, headers={"If-Match": 'W/"7"'}), 412, "If-Match mismatch")
        self.expect_outcome(c.put("Observation/" + oid, dict(changed, id="somethingelse")), 400, "body id is not the URL's")
        current = self.expect(c.get("Observation/" + oid), 200, "read after the refused update")
        self.assertEqual(current.json["status"], "preliminary", "a refused update changed nothing")
        self.assertEqual(current.header("etag"), 'W/"1"')
        r = self.expect(c.put("Observation/" + oid, changed, headers={"If-Match": current.header("etag")}), 200,
                        "If-Match of the current version")
        self.assertEqual(r.header("etag"), 'W/"2"')
        self.assertEqual(r.json["meta"]["versionId"], "2")
        self.assertEqual(r.json["status"], "final")
        self.assertTrue((r.header("location") or "").endswith("/Observation/%s/_history/2" % oid), r)
        # The same If-Match again is now stale.
        self.expect_outcome(c.put("Observation/" + oid, changed, headers={"If-Match": 'W/"1"'}), 412, "stale If-Match")
        now = self.expect(c.get("Observation/" + oid), 200, "read after update")
        self.assertEqual((now.json["status"], now.json["valueQuantity"]["value"], now.header("etag")), ("final", 4.7, 'W/"2"'))
        v1 = self.expect(c.get("Observation/%s/_history/1" % oid), 200, "vread 1")
        self.assertEqual((v1.json["status"], v1.json["valueQuantity"]["value"], v1.json["meta"]["versionId"]),
                         ("preliminary", 4.5, "1"))
        self.expect(c.get("Observation/%s/_history/2" % oid), 200, "vread 2")
        self.expect_outcome(c.get("Observation/%s/_history/3" % oid), 404, "vread of a version that does not exist")
        history = self.expect(c.get("Observation/%s/_history" % oid), 200, "history").json
        self.assertEqual(history["type"], "history")
        self.assertEqual(sorted(e["resource"]["meta"]["versionId"] for e in history["entry"]), ["1", "2"])
        # An update without If-Match is taken too (version 3).
        r = self.expect(c.put("Observation/" + oid, dict(changed, status="amended")), 200, "update without If-Match")
        self.assertEqual(r.header("etag"), 'W/"3"')

    # ---- 7. search --------------------------------------------------------------------------------

    def effective_of(self, bundle):
        return [e["resource"].get("effectiveDateTime") for e in bundle.get("entry", [])
                if e.get("search", {}).get("mode", "match") == "match"]

    def test_search_observations_by_date_range_and_sort(self):
        c = self.client()
        patient, gid = self.new_patient(c)
        for when in ["2025-12-31", "2026-01-01T00:00:00Z", "2026-01-05T08:00:00+08:00", "2026-01-10T08:00:00+08:00",
                     "2026-01-31T23:30:00-02:00",   # 2026-02-01T01:30Z: after the next one
                     "2026-02-01T08:00:00+08:00"]:  # 2026-02-01T00:00Z
            self.new_observation(gid, c, when=when)
        self.new_observation(gid, c, when="2026-01-07T08:00:00Z", code="2345-7")
        q = "Observation?patient=%s&code=%s|2093-3" % (gid, LOINC)
        r = self.expect(c.get(q + "&date=ge2026-01-01T00:00:00Z&date=lt2026-01-31T00:00:00Z&_sort=-date"), 200, "date range").json
        self.assertEqual(self.effective_of(r), ["2026-01-10T08:00:00+08:00", "2026-01-05T08:00:00+08:00", "2026-01-01T00:00:00Z"])
        r = self.expect(c.get(q + "&_sort=-date"), 200, "_sort=-date").json
        self.assertEqual(self.effective_of(r), ["2026-01-31T23:30:00-02:00", "2026-02-01T08:00:00+08:00",
                                                "2026-01-10T08:00:00+08:00", "2026-01-05T08:00:00+08:00",
                                                "2026-01-01T00:00:00Z", "2025-12-31"],
                         "newest first, by instant (not by the text)")
        r = self.expect(c.get(q + "&_sort=date"), 200, "_sort=date").json
        self.assertEqual(self.effective_of(r)[0], "2025-12-31")
        self.assertEqual(self.effective_of(r)[-1], "2026-01-31T23:30:00-02:00")
        r = self.expect(c.get(q + "&date=gt2026-02-01T00:30:00Z"), 200, "date=gt").json
        self.assertEqual(self.effective_of(r), ["2026-01-31T23:30:00-02:00"])
        r = self.expect(c.get("Observation?patient=%s&date=ge2026-01-07&date=le2026-01-07" % gid), 200, "one day").json
        self.assertEqual(self.effective_of(r), ["2026-01-07T08:00:00Z"])
        r = self.expect(c.get("Observation?patient=%s&_summary=count" % gid), 200, "_summary=count").json
        self.assertEqual(r.get("total"), 7)
        self.assertEqual(r.get("entry", []), [])

    def page_through(self, c, first, between=None):
        """Follows `next` links from `first`; returns (ids in order, dates, pages)."""
        ids, dates, pages = [], [], 0
        url = first
        while url:
            r = self.expect(c.get_url(url) if url.startswith("http") else c.get(url), 200, "page %d: %s" % (pages, url)).json
            pages += 1
            self.assertLessEqual(len(r.get("entry", [])), 2, "_count=2 gives at most two entries a page")
            ids += bundle_ids(r)
            dates += self.effective_of(r)
            url = link_of(r, "next")
            if url:
                self.assertTrue(url.startswith("http://127.0.0.1:%d/fhir/Observation?" % self.gw.fhir_port), url)
                if between:
                    between(pages)
            self.assertLess(pages, 50, "paging does not end")
        return ids, dates, pages

    def test_search_paging_while_observations_are_created(self):
        c = self.client()
        patient, gid = self.new_patient(c)
        original = [self.new_observation(gid, c, when="2025-03-%02dT10:00:00Z" % d)["id"] for d in range(1, 8)]
        writer = self.client()
        late = {}

        def create_between(page):
            # After page 1 (03-07, 03-06): one newer than everything (already behind the cursor) and
            # two that sort after the cursor, which the next pages must show.
            if page == 1:
                late["newest"] = self.new_observation(gid, writer, when="2025-03-09T10:00:00Z")["id"]
                late["middle"] = self.new_observation(gid, writer, when="2025-03-03T12:00:00Z")["id"]
                late["oldest"] = self.new_observation(gid, writer, when="2025-02-01T10:00:00Z")["id"]

        ids, dates, pages = self.page_through(c, "Observation?patient=%s&_sort=-date&_count=2" % gid, create_between)
        self.assertEqual(len(ids), len(set(ids)), "an Observation came twice: %s" % ids)
        for oid in original + [late["middle"], late["oldest"]]:
            self.assertIn("Observation/" + oid, ids, "skipped: %s (dates seen: %s)" % (oid, dates))
        self.assertEqual(dates, sorted(dates, reverse=True), "the order held across pages")
        self.assertGreaterEqual(pages, 5)

        # Default order, with creates between every page.
        patient2, gid2 = self.new_patient(c)
        original = [self.new_observation(gid2, c, when="2025-04-%02dT10:00:00Z" % d)["id"] for d in range(1, 6)]
        added = []
        ids, dates, pages = self.page_through(
            c, "Observation?patient=%s&_count=2" % gid2,
            lambda page: added.append(self.new_observation(gid2, writer, when="2025-05-%02dT10:00:00Z" % page)["id"]) if page < 4 else None)
        self.assertEqual(len(ids), len(set(ids)), "an Observation came twice: %s" % ids)
        for oid in original:
            self.assertIn("Observation/" + oid, ids, "skipped: %s" % oid)

    def test_search_include_diagnostic_report_results(self):
        c = self.client()
        patient, gid = self.new_patient(c)
        o1 = self.new_observation(gid, c, code="2093-3", value=5.1)
        o2 = self.new_observation(gid, c, code="2571-8", value=1.3)
        other = self.new_observation(gid, c, code="2345-7", value=6.0)
        report = self.expect(c.post("DiagnosticReport", {
            "resourceType": "DiagnosticReport", "status": "final", "code": {"coding": [{"system": LOINC, "code": "57698-3"}]},
            "subject": {"reference": "Patient/" + gid}, "effectiveDateTime": "2026-01-02T09:00:00Z",
            "result": [{"reference": "Observation/" + o1["id"]}, {"reference": "Observation/" + o2["id"]}]}), 201, "report").json
        self.assertEqual([r["reference"] for r in report["result"]], ["Observation/" + o1["id"], "Observation/" + o2["id"]])
        r = self.expect(c.get("DiagnosticReport?patient=%s&_include=DiagnosticReport:result" % gid), 200, "_include").json
        self.assertEqual(bundle_ids(r, "match"), ["DiagnosticReport/" + report["id"]])
        self.assertEqual(sorted(bundle_ids(r, "include")), sorted(["Observation/" + o1["id"], "Observation/" + o2["id"]]))
        self.assertNotIn("Observation/" + other["id"], bundle_ids(r))
        r = self.expect(c.get("DiagnosticReport?patient=%s" % gid), 200, "without _include").json
        self.assertEqual(bundle_ids(r), ["DiagnosticReport/" + report["id"]])
        self.expect_outcome(c.get("Observation?patient=%s&_include=Observation:subject" % gid), 400, "an unsupported _include")

    def test_search_patients_by_name_prefix_and_birthdate(self):
        c = self.client()
        tag = "".join(chr(ord("a") + int(ch, 16) % 26) for ch in uuid.uuid4().hex[:6])
        family = "Ouyang" + tag
        a, ga = self.new_patient(c, family=family, given="Xiuying", birth="1961-04-05")
        b, gb = self.new_patient(c, family=family, given="Ming", birth="1961-04-20")
        z, gz = self.new_patient(c, family="Zed" + tag, given="Ouyang" + tag, birth="1990-01-01")
        self.assertEqual(len({ga, gb, gz}), 3, "three different people")

        def names(q):
            return sorted(bundle_ids(self.expect(c.get("Patient?" + q), 200, q).json, "match"))

        both = sorted(["Patient/" + ga, "Patient/" + gb])
        self.assertEqual(names("name=%s" % family), sorted(both + ["Patient/" + gz]), "family or given")
        self.assertEqual(names("name=" + ("ouyang" + tag)[:-2]), sorted(both + ["Patient/" + gz]), "a case-insensitive prefix")
        self.assertEqual(names("family=" + family.upper()), both)
        self.assertEqual(names("name=zed" + tag), ["Patient/" + gz])
        self.assertEqual(names("name=%s&birthdate=1961-04-05" % family), ["Patient/" + ga])
        self.assertEqual(names("name=%s&birthdate=ge1961-04-10&birthdate=le1961-04-30" % family), ["Patient/" + gb])
        self.assertEqual(names("name=%s&birthdate=1961-04" % family), both, "a month matches the days in it")
        self.assertEqual(names("name=%s&birthdate=1962" % family), [])
        self.assertEqual(names("name=" + tag + "nobody"), [])

    # ---- 8. audit ---------------------------------------------------------------------------------

    def test_reads_are_audited_with_client_action_and_patient(self):
        c = self.client()
        patient, gid = self.new_patient(c)
        obs = self.new_observation(gid, c)
        reader = self.client("reader")
        self.expect(reader.get("Patient/" + gid), 200, "read")
        self.expect(reader.get("Observation/%s/_history/1" % obs["id"]), 200, "vread")
        self.expect(reader.get("Observation?patient=" + gid), 200, "search")
        self.expect(reader.get("Patient/%s/$everything" % gid), 200, "$everything")
        self.expect(reader.get("Observation/999999999"), 404, "read of nothing")
        self.expect(self.client("lis").get("Patient/" + gid), 200, "lis reads")
        db = sqlite3.connect("file:%s?mode=ro" % self.gw.crm, uri=True, timeout=10)
        try:
            rows = db.execute("SELECT client, action, resource_type, golden_id, query, outcome FROM audit_log "
                              "WHERE golden_id = ? ORDER BY id", (int(gid),)).fetchall()
            misses = db.execute("SELECT client, action, outcome FROM audit_log WHERE query LIKE ?",
                                ("%Observation/999999999%",)).fetchall()
        finally:
            db.close()
        got = [(client, action, rtype) for client, action, rtype, _, _, _ in rows]
        for expected in [("reader", "read", "Patient"), ("reader", "vread", "Observation"),
                         ("reader", "search", "Observation"), ("reader", "everything", "Patient"),
                         ("lis", "read", "Patient")]:
            self.assertIn(expected, got, "audit_log rows of golden %s: %s" % (gid, rows))
        for client, action, rtype, golden, query, outcome in rows:
            self.assertTrue(query.startswith("/fhir/"), query)
            if client == "reader" and action == "read":
                self.assertEqual((query, outcome), ("/fhir/Patient/" + gid, "200"))
        self.assertIn(("reader", "read", "404"), misses, "a read that found nothing is audited too")

    # ---- 8b. Patient/$match ------------------------------------------------------------------------

    def test_patient_match_grades_golden_patients_and_writes_nothing(self):
        c = self.client()
        family = "Mat" + "".join(chr(ord("a") + int(ch, 16) % 26) for ch in uuid.uuid4().hex[:8])
        mrn = unique("MATCH")
        patient, gid = self.new_patient(c, family=family, given="Imogen", birth="1971-04-05", value=mrn)

        def params(resource, **more):
            p = [{"name": "resource", "resource": resource}]
            if "only_certain" in more:
                p.append({"name": "onlyCertainMatches", "valueBoolean": more["only_certain"]})
            if "count" in more:
                p.append({"name": "count", "valueInteger": more["count"]})
            return {"resourceType": "Parameters", "parameter": p}

        def grades(bundle):
            out = []
            for e in bundle.get("entry", []):
                if e["search"]["mode"] != "match":
                    continue
                ext = e["search"]["extension"]
                self.assertEqual(ext[0]["url"], "http://hl7.org/fhir/StructureDefinition/match-grade")
                self.assertTrue(0 <= e["search"]["score"] <= 1, e["search"])
                out.append((e["resource"]["id"], ext[0]["valueCode"], e["search"]["score"]))
            return out

        def counts():
            db = sqlite3.connect("file:%s?mode=ro" % self.gw.crm, uri=True, timeout=10)
            try:
                return {t: db.execute("SELECT count(*) FROM " + t).fetchone()[0]
                        for t in ("golden_patients", "source_records", "links", "identifiers", "blocking_keys",
                                  "review_tasks")}
            finally:
                db.close()

        before = counts()
        reader = self.client("reader")
        # The MRN with its authority: certain, score 1, the golden patient as GET serves it.
        r = self.expect(reader.post("Patient/$match", params(
            {"resourceType": "Patient", "identifier": [{"system": TEST_ID_SYSTEM, "value": mrn}]})), 200, "$match by MRN")
        self.assertEqual(r.json["type"], "searchset")
        self.assertEqual(grades(r.json), [(gid, "certain", 1)])
        self.assertEqual(r.json["entry"][0]["resource"], self.expect(reader.get("Patient/" + gid), 200, "read")
                         .json, "the golden patient as read")
        # Name and birth date alone: probable (below the link threshold), so onlyCertainMatches has none.
        demo = {"resourceType": "Patient", "name": [{"family": family, "given": ["Imogen"]}], "birthDate": "1971-04-05"}
        r = self.expect(reader.post("Patient/$match", params(demo)), 200, "$match by demographics")
        got = grades(r.json)
        self.assertEqual([(i, g) for i, g, _ in got], [(gid, "probable")], got)
        self.assertTrue(0.5 < got[0][2] < 1, got)
        r = self.expect(reader.post("Patient/$match", params(demo, only_certain=True)), 200, "onlyCertainMatches")
        self.assertEqual(grades(r.json), [])
        r = self.expect(reader.post("Patient/$match", params(demo, count=1)), 200, "count")
        self.assertEqual(len(grades(r.json)), 1)
        # XML in, XML out (Parameters has an XML table).
        xml = ('<Parameters xmlns="http://hl7.org/fhir"><parameter><name value="resource"/><resource><Patient>'
               '<identifier><system value="%s"/><value value="%s"/></identifier></Patient></resource></parameter>'
               '</Parameters>' % (TEST_ID_SYSTEM, mrn))
        r = self.expect(reader.post("Patient/$match", xml, headers={"Content-Type": "application/fhir+xml",
                                                                    "Accept": "application/fhir+xml"}), 200, "XML")
        self.assertIn(b'<valueCode value="certain"/>', r.body)
        # Errors.
        self.expect_outcome(reader.get("Patient/$match"), 405, "GET $match")
        self.expect_outcome(reader.post("Patient/$match", {"resourceType": "Parameters"}), 400, "no resource")
        self.expect_outcome(reader.post("Patient/$match", params({"resourceType": "Observation", "status": "final"})),
                            400, "not a Patient")
        self.expect_outcome(reader.post("Patient/$match", params({"resourceType": "Patient", "gender": "male"})), 422,
                            "nothing to match on")
        self.expect_outcome(reader.post("Patient/$match", params(demo), token=False), 401, "no token")
        self.assertEqual(counts(), before, "$match wrote to the patient index")
        db = sqlite3.connect("file:%s?mode=ro" % self.gw.crm, uri=True, timeout=10)
        try:
            audited = db.execute("SELECT count(*) FROM audit_log WHERE client = 'reader' AND action = 'match' "
                                 "AND golden_id = ?", (int(gid),)).fetchone()[0]
        finally:
            db.close()
        self.assertGreaterEqual(audited, 4, "every $match that returned the patient is audited")
        # And not a word of the queried patient in the log.
        self.assertNotIn(family, self.gw.log_tail(10 ** 7))

    # ---- 9. a v2 patient, a FHIR observation by identifier ------------------------------------------

    def test_observation_with_a_logical_subject_lands_on_the_v2_patient(self):
        if not os.access(MLLP_SEND, os.X_OK):
            self.fail("%s (Debian python3-hl7) is missing: run deploy/install-deps.sh" % MLLP_SEND)
        mrn = str(800000 + int(uuid.uuid4().hex[:5], 16) % 100000)
        self.assertEqual(self.gw.send(adt(unique("ADT")[:20], mrn, name="李^雷", birth="19700101")), ["AA"])
        c = self.client()
        deadline = time.monotonic() + 30
        found = None
        while time.monotonic() < deadline:
            found = self.expect(c.get("Patient?identifier=%s|%s" % (MRN_SYSTEM, mrn)), 200, "search by MRN").json
            if found.get("entry"):
                break
            time.sleep(0.1)
        self.assertEqual(len(bundle_ids(found, "match")), 1, "the ADT's patient, by MRN: %s" % json.dumps(found)[:2000])
        gid = found["entry"][0]["resource"]["id"]
        self.assertEqual(found["entry"][0]["resource"]["name"][0]["family"], "李")
        r = self.expect(c.post("Observation", {
            "resourceType": "Observation", "status": "final",
            "code": {"coding": [{"system": LOINC, "code": "8867-4", "display": "Heart rate"}]},
            "subject": {"identifier": {"system": MRN_SYSTEM, "value": mrn}},
            "effectiveDateTime": "2026-11-23T10:00:00+08:00",
            "valueQuantity": {"value": 72, "unit": "/min", "system": "http://unitsofmeasure.org", "code": "/min"}}),
            201, "Observation with a logical subject").json
        self.assertEqual(r["subject"].get("reference"), "Patient/" + gid, "the subject resolved to the golden patient: %s" % r)
        everything = self.expect(c.get("Patient/%s/$everything" % gid), 200, "$everything").json
        self.assertIn("Observation/" + r["id"], bundle_ids(everything))
        self.assertIn("Encounter", [i.split("/")[0] for i in bundle_ids(everything)], "the ADT's visit")
        by_patient = self.expect(c.get("Observation?patient=%s&code=%s|8867-4" % (gid, LOINC)), 200, "search").json
        self.assertEqual(bundle_ids(by_patient), ["Observation/" + r["id"]])

    # ---- 10. keep-alive ----------------------------------------------------------------------------

    def test_keep_alive_serves_many_requests_on_one_connection(self):
        c = self.client()
        patient, gid = self.new_patient(c)
        c.close()
        c.connections = 0
        answers = [c.get("metadata", token=False)]
        sock = c.conn.sock
        answers += [c.get("Patient/" + gid), c.get("Observation/999999999"),
                    c.post("Observation", {"resourceType": "Observation", "status": "final", "code": {"text": "k"},
                                           "subject": {"reference": "Patient/" + gid}}),
                    c.get("Observation?patient=" + gid), c.get("Patient/" + gid, token=False),
                    c.post("Patient", {"resourceType": "Patient", "nickname": 1}), c.get("Patient/%s/$everything" % gid)]
        self.assertEqual([a.status for a in answers], [200, 200, 404, 201, 200, 401, 400, 200], answers)
        self.assertEqual(c.connections, 1, "the server closed the connection between requests")
        self.assertIs(c.conn.sock, sock)
        for a in answers:
            self.assertNotEqual((a.header("connection") or "").lower(), "close", a)


class FhirTlsTest(GatewayFixture):
    """fhir.tls: HTTPS with a certificate made by the openssl CLI; plain HTTP is not served."""
    tls = True

    def test_https_with_the_trusted_certificate(self):
        ctx = ssl.create_default_context(cafile=self.cert[0])
        c = Client(self.gw.fhir_port, TOKENS["crm"][0], context=ctx)
        self.addCleanup(c.close)
        r = self.expect(c.get("metadata", token=False), 200, "HTTPS metadata")
        self.assertEqual(r.json["resourceType"], "CapabilityStatement")
        r = self.expect(c.post("Patient", {"resourceType": "Patient", "identifier": [
            {"system": TEST_ID_SYSTEM, "value": unique("TLS")}]}), 201, "HTTPS create")
        self.assertTrue((r.header("location") or "").startswith("https://127.0.0.1:%d/fhir/Patient/" % self.gw.fhir_port),
                        "Location carries the scheme the request came on: %r" % r)
        self.expect(c.get("Patient/" + r.json["id"]), 200, "HTTPS read")
        self.assertEqual(c.connections, 1, "keep-alive over TLS")
        # urllib, another client, with the same trust.
        req = urllib.request.Request("https://127.0.0.1:%d/fhir/Patient/%s" % (self.gw.fhir_port, r.json["id"]),
                                     headers={"Authorization": "Bearer " + TOKENS["reader"][0]})
        with urllib.request.urlopen(req, context=ctx, timeout=30) as u:
            self.assertEqual(u.status, 200)
            self.assertEqual(json.loads(u.read())["id"], r.json["id"])

    def test_an_untrusted_certificate_is_refused_by_the_client(self):
        ctx = ssl.create_default_context()  # the system CAs: the self-signed certificate is not among them
        c = Client(self.gw.fhir_port, TOKENS["crm"][0], context=ctx)
        self.addCleanup(c.close)
        with self.assertRaises(ssl.SSLCertVerificationError):
            c.get("metadata", token=False)

    def test_plain_http_to_the_tls_port_gets_no_answer(self):
        answer = b""
        with socket.create_connection(("127.0.0.1", self.gw.fhir_port), timeout=10) as s:
            s.sendall(b"GET /fhir/metadata HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            try:
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    answer += chunk
            except (ConnectionResetError, socket.timeout):
                pass
        self.assertFalse(answer.startswith(b"HTTP/"), "plain HTTP was served on the TLS port: %r" % answer[:300])
        self.assertNotIn(b"CapabilityStatement", answer)
        # And the server is still up for HTTPS afterwards.
        c = Client(self.gw.fhir_port, None, context=ssl.create_default_context(cafile=self.cert[0]))
        self.addCleanup(c.close)
        self.expect(c.get("metadata", token=False), 200, "HTTPS after a plain HTTP attempt")


if __name__ == "__main__":
    unittest.main(verbosity=2)
