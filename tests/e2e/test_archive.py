#!/usr/bin/python3
"""From message to health archive, end to end (issue 4), with the built binary driven as a user
drives it: `medgw serve` on a temporary config (MLLP on port 0, RocksDB queue, SQLite CRM store, a
site file), messages sent with python3-hl7's `mllp_send` (an independent MLLP client), and the
archive read back with `medgw archive show` as FHIR JSON.

    /usr/bin/python3 tests/e2e/test_archive.py      # or: ctest --preset dev -R e2e_archive

Covered: an ADT then an ORU give one patient with the report and its coded, unit-normalised
observations; a corrected result replaces the value; an A40 merge joins two archives; a message
parked because the site requires mapped lab codes and one was missing is delivered after the code
map is fixed and the message replayed; kill -9 during delivery leaves no duplicate rows; an unsupported message
type is refused (AR) and kept as rejected "unsupported", or, on a listener with `unmapped_types:
park`, acknowledged and shown as parked "unsupported".
"""
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
MEDGW = os.environ.get("MEDGW_BIN") or os.path.join(REPO, "build", "dev", "gateway", "medgw")
MLLP_SEND = "/usr/bin/mllp_send"
DIE_WITH_US = ["setpriv", "--pdeathsig", "KILL"] if shutil.which("setpriv") else []
DELIVERY_TIMEOUT_S = 60.0

NATIONAL_ID_SYSTEM = "urn:oid:2.16.156.10011.1.1"
MRN_SYSTEM = "urn:oid:1.2.156.112604.1.2.1"  # the test site's MRN system (site file below)
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"


def national_id(region="110101", birth="19900307", seq="457"):
    """A valid GB 11643 resident ID: 17 digits and the ISO 7064 MOD 11-2 check character."""
    body = region + birth + seq
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(body, weights))
    return body + "10X98765432"[total % 11]


SITE_CODES_CSV = """source_system,source_code,target_system,target_code,target_display
LIS,GLU,http://loinc.org,2345-7,Glucose [Mass/volume] in Serum or Plasma
LIS,ALT,http://loinc.org,1742-6,Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma
"""


def site_yaml(codes_csv, require_code_maps=False):
    """The test site (mappings/sites format): PID-3 typed by assigning authority (SFZH national
    ID, BLH MRN), the LIS's local codes mapped to LOINC, unit spellings to UCUM; optionally the
    LIS held to mapped codes (an unmapped one parks the message)."""
    lines = [
        "site: test-hospital",
        "identifiers:",
        "  authorities:",
        "    SFZH:",
        "      system: \"%s\"" % NATIONAL_ID_SYSTEM,
        "      type: NI",
        "      kind: national_id",
        "    BLH:",
        "      system: \"%s\"" % MRN_SYSTEM,
        "      type: MR",
        "      kind: mrn",
        "sources:",
        "  - sender: \"LIS^SZ-HOSP\"",
        "    local_code_system: LIS",
        "    require_code_maps: %s" % ("true" if require_code_maps else "false"),
        "code_maps:",
        "  - %s" % codes_csv,
        "units:",
        "  ucum:",
        "    mmol/L: [mmol/l, MMOL/L]",
        "    U/L: [u/l, IU/L]",
        "    umol/L: [umol/l]",
    ]
    return "\n".join(lines) + "\n"


def msh(sender, control_id, msg_type, charset="UNICODE UTF-8"):
    return "MSH|^~\\&|%s|SZ-HOSP|MEDGW|CRM|20261123093000+0800||%s|%s|P|2.5.1|||||%s" % (
        sender, msg_type, control_id, charset)


def adt(control_id, mrn, nid=None, name="张^三", event="A01", birth="19900307", sex="M", charset="UNICODE UTF-8"):
    ids = "%s^^^BLH^MR" % mrn + ("~%s^^^SFZH^NI" % nid if nid else "")
    return "\r".join([
        msh("HIS", control_id, "ADT^%s^ADT_A01" % event, charset),
        "EVN|%s|20261123093000+0800" % event,
        "PID|1||%s||%s||%s|%s" % (ids, name, birth, sex),
        "PV1|1|I|W3^301^2^SZ-HOSP||||||||||||||||V-%s" % control_id,
    ]) + "\r"


def a40(control_id, surviving_mrn, prior_mrn):
    return "\r".join([
        msh("HIS", control_id, "ADT^A40^ADT_A39"),
        "EVN|A40|20261123120000+0800",
        "PID|1||%s^^^BLH^MR||张^三||19900307|M" % surviving_mrn,
        "MRG|%s^^^BLH^MR" % prior_mrn,
    ]) + "\r"


# Ten results: local LIS codes (two mapped to LOINC by the site), units the site normalises.
RESULTS = [
    ("GLU", "葡萄糖", "NM", "5.6", "mmol/l", "3.9-6.1", ""),
    ("ALT", "丙氨酸氨基转移酶", "NM", "62", "u/l", "9-50", "H"),
    ("AST", "天门冬氨酸氨基转移酶", "NM", "30", "U/L", "15-40", ""),
    ("TC", "总胆固醇", "NM", "5.2", "mmol/L", "3.1-5.7", ""),
    ("TG", "甘油三酯", "NM", "2.1", "mmol/L", "0.4-1.7", "H"),
    ("HDL", "高密度脂蛋白胆固醇", "NM", "1.1", "mmol/L", "1.0-1.9", ""),
    ("LDL", "低密度脂蛋白胆固醇", "NM", "3.4", "mmol/L", "<3.4", ""),
    ("CREA", "肌酐", "NM", "80", "umol/L", "57-111", ""),
    ("UA", "尿酸", "NM", "420", "umol/L", "208-428", ""),
    ("CMT", "备注", "ST", "空腹采血", "", "", ""),
]


def oru(control_id, mrn, filler, status="F", glucose="5.6"):
    segs = [
        msh("LIS", control_id, "ORU^R01^ORU_R01"),
        "PID|1||%s^^^BLH^MR||张^三||19900307|M" % mrn,
        "OBR|1|P-%s^HIS|%s^LIS|LIPID^生化全项^LIS|||20261123080000+0800|||||||||||||||20261123101000+0800||CH|%s" % (
            filler, filler, status),
    ]
    for i, (code, text, vt, value, unit, rng, flag) in enumerate(RESULTS, 1):
        if code == "GLU":
            value = glucose
        obx_status = status
        segs.append("OBX|%d|%s|%s^%s^LIS||%s|%s|%s|%s|||%s|||20261123080000+0800" % (
            i, vt, code, text, value, unit, rng, flag, obx_status))
    return "\r".join(segs) + "\r"


def events_of(path):
    out = []
    with open(path, "rb") as f:
        for line in f:
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
    return out


class Gateway:
    """`medgw serve` on a config in `workdir`; port from its mllp.listening log line."""

    def __init__(self, workdir, site_text=None, pipeline=True):
        self.dir = workdir
        self.queue = os.path.join(workdir, "queue")
        self.crm = os.path.join(workdir, "crm.sqlite")
        self.site = os.path.join(workdir, "site.yaml")
        self.codes = os.path.join(workdir, "lab-codes.csv")
        with open(self.codes, "w") as f:
            f.write(SITE_CODES_CSV)
        self.write_site(site_text if site_text is not None else site_yaml(self.codes))
        self.config = os.path.join(workdir, "medgw.yaml")
        self.write_config(pipeline)
        self.proc = None
        self.port = None
        self.log_path = None
        self.starts = 0

    def write_site(self, text):
        with open(self.site, "w") as f:
            f.write(text)

    def write_config(self, pipeline=True):
        with open(self.config, "w") as f:
            f.write("log:\n  level: info\nstats_interval_s: 3600\n"
                    "queue:\n  path: %s\n  backoff_base_ms: 100\n  backoff_max_ms: 500\n"
                    "crm_store:\n  path: %s\n"
                    "site: %s\n"
                    "pipeline:\n  enabled: %s\n  workers: 2\n  batch_max: 64\n"
                    "listeners:\n  - name: his\n    port: 0\n    bind: 127.0.0.1\n"
                    % (json.dumps(self.queue), json.dumps(self.crm), json.dumps(self.site),
                       "true" if pipeline else "false"))

    def start(self):
        self.log_path = os.path.join(self.dir, "serve-%d.log" % self.starts)
        self.starts += 1
        log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(DIE_WITH_US + [MEDGW, "serve", "--config", self.config],
                                     stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            for e in events_of(self.log_path):
                if e.get("event") == "mllp.listening":
                    self.port = int(e["port"])
                    return self
            if self.proc.poll() is not None:
                raise AssertionError("medgw serve exited: " + open(self.log_path, "rb").read().decode()[-3000:])
            time.sleep(0.05)
        raise AssertionError("medgw serve did not listen within 60 s")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("medgw serve did not stop on SIGTERM")
        self.proc = None

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.proc = None

    def events(self):
        return events_of(self.log_path)

    def send(self, *messages):
        """Sends with mllp_send (python3-hl7); returns the MSA-1 codes."""
        path = os.path.join(self.dir, "send.hl7")
        with open(path, "wb") as f:
            for m in messages:
                f.write(m.replace("\r", "\r\n").encode("utf-8") if isinstance(m, str) else m.replace(b"\r", b"\r\n"))
        r = subprocess.run([MLLP_SEND, "--port", str(self.port), "--loose", "--file", path, "127.0.0.1"],
                           capture_output=True, timeout=120)
        if r.returncode != 0:
            raise AssertionError("mllp_send failed: " + r.stderr.decode())
        codes = []
        for frame in r.stdout.split(b"\x1c"):
            for seg in frame.replace(b"\n", b"\r").split(b"\r"):
                if seg.startswith(b"MSA|"):
                    codes.append(seg.split(b"|")[1].decode())
        return codes

    def archive(self, identifier):
        r = subprocess.run([MEDGW, "archive", "show", "--config", self.config, "--identifier", identifier,
                            "--compact"], capture_output=True, timeout=60)
        if r.returncode == 1:
            return None
        if r.returncode != 0:
            raise AssertionError("medgw archive show failed: " + r.stderr.decode())
        return json.loads(r.stdout)

    def messages(self, *args):
        r = subprocess.run([MEDGW, "messages", *args, "--config", self.config], capture_output=True, timeout=60)
        return r


def resources(bundle, kind):
    return [e["resource"] for e in bundle.get("entry", []) if e["resource"]["resourceType"] == kind]


class GatewayTestCase(unittest.TestCase):
    """A gateway on a fresh temporary directory per test (MEDGW_KEEP_TMP=1 keeps it)."""
    tmp_prefix = "medgw-archive-"

    def setUp(self):
        if not os.access(MLLP_SEND, os.X_OK):
            self.fail("%s (Debian python3-hl7) is missing: run deploy/install-deps.sh" % MLLP_SEND)
        self.tmp = tempfile.mkdtemp(prefix=self.tmp_prefix)
        self.gw = Gateway(self.tmp)

    def tearDown(self):
        try:
            self.gw.stop()
        finally:
            if os.environ.get("MEDGW_KEEP_TMP"):
                print("kept", self.tmp)
            else:
                shutil.rmtree(self.tmp, ignore_errors=True)

    def wait_archive(self, identifier, done, what):
        """Polls the archive until done(bundle) holds: delivery is asynchronous (minutes in the
        promise, well under a second here)."""
        deadline = time.monotonic() + DELIVERY_TIMEOUT_S
        bundle = None
        while time.monotonic() < deadline:
            bundle = self.gw.archive(identifier)
            if bundle is not None and done(bundle):
                return bundle
            time.sleep(0.1)
        self.fail("%s: not in the archive after %d s; last: %s\nlog:\n%s" % (
            what, DELIVERY_TIMEOUT_S, json.dumps(bundle)[:3000],
            open(self.gw.log_path, "rb").read().decode()[-3000:]))


class ArchiveTest(GatewayTestCase):
    def test_adt_then_oru_give_one_patient_with_the_report_and_its_observations(self):
        self.gw.start()
        nid = national_id()
        self.assertEqual(self.gw.send(adt("ADT1", "100234", nid), oru("LAB1", "100234", "F1001")), ["AA", "AA"])
        bundle = self.wait_archive(MRN_SYSTEM + "|100234",
                                   lambda b: len(resources(b, "Observation")) == 10, "ADT + ORU")
        self.assertEqual(bundle["resourceType"], "Bundle")
        patients = resources(bundle, "Patient")
        golden = patients[0]  # the golden patient comes first
        ids = {(i.get("system"), i.get("value")) for p in patients for i in p.get("identifier", [])}
        self.assertIn((MRN_SYSTEM, "100234"), ids)
        self.assertIn((NATIONAL_ID_SYSTEM, nid), ids)
        self.assertTrue(golden.get("id"))
        reports = resources(bundle, "DiagnosticReport")
        self.assertEqual(len(reports), 1)
        self.assertEqual(reports[0]["status"], "final")
        self.assertEqual(len(reports[0]["result"]), 10)
        observations = resources(bundle, "Observation")
        self.assertEqual(len(observations), 10)
        for o in observations:
            self.assertEqual(o["subject"]["reference"], reports[0]["subject"]["reference"])
        by_local = {}
        for o in observations:
            for c in o["code"].get("coding", []):
                if c.get("system") != LOINC:
                    by_local[c.get("code")] = o
        glucose = by_local["GLU"]
        self.assertIn({"system": LOINC, "code": "2345-7"},
                      [{"system": c.get("system"), "code": c.get("code")} for c in glucose["code"]["coding"]])
        q = glucose["valueQuantity"]
        self.assertEqual((q["value"], q.get("system"), q.get("code")), (5.6, UCUM, "mmol/L"))
        alt = by_local["ALT"]
        self.assertEqual(alt["valueQuantity"].get("code"), "U/L")
        self.assertEqual(alt["interpretation"][0]["coding"][0]["code"], "H")
        # Reached by the national ID too: the same golden patient.
        by_nid = self.gw.archive(NATIONAL_ID_SYSTEM + "|" + nid)
        self.assertEqual(resources(by_nid, "Patient")[0]["id"], golden["id"])
        # And an unknown identifier is a clear "no patient", exit status 1.
        self.assertIsNone(self.gw.archive(MRN_SYSTEM + "|999999"))
        # The archive is valid FHIR R4, checked by independent validators (Medplum's R4
        # StructureDefinitions and HL7's JSON Schema: tests/integration/validate_fhir.js).
        node = shutil.which("node")
        self.assertIsNotNone(node, "node is missing: run deploy/install-deps.sh")
        r = subprocess.run([node, os.path.join(REPO, "tests", "integration", "validate_fhir.js"), "-"],
                           input=json.dumps(bundle).encode(), capture_output=True, timeout=600, cwd=REPO)
        self.assertEqual(r.returncode, 0, "the archive is not valid FHIR R4:\n" + r.stdout.decode()[-3000:] +
                         r.stderr.decode()[-2000:])

    def test_a_corrected_result_replaces_the_value(self):
        self.gw.start()
        self.assertEqual(self.gw.send(adt("ADT1", "200001"), oru("LAB1", "200001", "F2001")), ["AA", "AA"])
        self.wait_archive(MRN_SYSTEM + "|200001", lambda b: len(resources(b, "Observation")) == 10, "first report")
        self.assertEqual(self.gw.send(oru("LAB2", "200001", "F2001", status="C", glucose="7.2")), ["AA"])

        def corrected(b):
            obs = [o for o in resources(b, "Observation")
                   if any(c.get("code") == "2345-7" for c in o["code"].get("coding", []))]
            return len(obs) == 1 and obs[0].get("valueQuantity", {}).get("value") == 7.2

        bundle = self.wait_archive(MRN_SYSTEM + "|200001", corrected, "corrected glucose")
        self.assertEqual(len(resources(bundle, "Observation")), 10, "a correction replaces, it does not add")
        self.assertEqual(len(resources(bundle, "DiagnosticReport")), 1)
        glucose = [o for o in resources(bundle, "Observation")
                   if any(c.get("code") == "2345-7" for c in o["code"].get("coding", []))][0]
        self.assertEqual(glucose["status"], "corrected")

    def test_an_a40_merge_joins_two_archives(self):
        self.gw.start()
        codes = self.gw.send(adt("ADT1", "300001"), oru("LAB1", "300001", "F3001"),
                             adt("ADT2", "300002", name="张^叁", birth="19850101"), oru("LAB2", "300002", "F3002"))
        self.assertEqual(codes, ["AA"] * 4)
        self.wait_archive(MRN_SYSTEM + "|300002", lambda b: len(resources(b, "DiagnosticReport")) == 1, "second")
        first = self.wait_archive(MRN_SYSTEM + "|300001", lambda b: len(resources(b, "DiagnosticReport")) == 1,
                                  "first")
        self.assertEqual(self.gw.send(a40("MRG1", "300001", "300002")), ["AA"])
        merged = self.wait_archive(MRN_SYSTEM + "|300001", lambda b: len(resources(b, "DiagnosticReport")) == 2,
                                   "merged archive")
        self.assertEqual(len(resources(merged, "Observation")), 20)
        # The prior MRN now leads to the same golden patient.
        via_prior = self.gw.archive(MRN_SYSTEM + "|300002")
        golden_id = resources(first, "Patient")[0]["id"]
        self.assertEqual(resources(via_prior, "Patient")[0]["id"], golden_id)
        self.assertEqual(resources(merged, "Patient")[0]["id"], golden_id)

    def test_a_parked_message_is_delivered_after_the_site_file_is_fixed(self):
        # The site holds the LIS to mapped codes, but its code map covers only GLU and ALT: the
        # report is parked with the first unmapped code named, not archived uncoded.
        self.gw.write_site(site_yaml(self.gw.codes, require_code_maps=True))
        self.gw.start()
        self.assertEqual(self.gw.send(adt("ADT1", "400001"), oru("LAB1", "400001", "F4001")), ["AA", "AA"])
        deadline = time.monotonic() + DELIVERY_TIMEOUT_S
        parked = None
        while time.monotonic() < deadline and parked is None:
            for e in self.gw.events():
                if e.get("event") == "pipeline.parked":
                    parked = e
            time.sleep(0.1)
        self.assertIsNotNone(parked, "the report was not parked")
        self.assertTrue(parked["reason"].startswith("site: "), parked["reason"])
        self.assertIn("LIPID", parked["reason"])
        self.assertNotIn("400001", parked["reason"], "a park reason must not carry patient data")
        bundle = self.wait_archive(MRN_SYSTEM + "|400001", lambda b: len(resources(b, "Patient")) == 1, "the ADT")
        self.assertEqual(resources(bundle, "DiagnosticReport"), [])
        self.gw.stop()  # the queue is the gateway's while it runs; operators replay on a stopped one

        listed = self.gw.messages("list", "--status", "parked")
        self.assertEqual(listed.returncode, 0, listed.stderr.decode())
        self.assertIn(str(parked["id"]), listed.stdout.decode())
        # The fix: the missing rows in the code map.
        with open(self.gw.codes, "a") as f:
            f.write("LIS,LIPID,http://loinc.org,24331-1,Lipid panel\n")
            for code, *_ in RESULTS:
                if code not in ("GLU", "ALT"):
                    f.write("LIS,%s,http://loinc.org,99999-%d,local %s\n" % (code, len(code), code))
        replay = self.gw.messages("replay", str(parked["id"]))
        self.assertEqual(replay.returncode, 0, replay.stderr.decode())
        self.gw.start()
        bundle = self.wait_archive(MRN_SYSTEM + "|400001", lambda b: len(resources(b, "Observation")) == 10,
                                   "the replayed report")
        report = resources(bundle, "DiagnosticReport")[0]
        self.assertIn("24331-1", [c.get("code") for c in report["code"]["coding"]])

    def test_an_unsupported_message_type_is_refused_and_kept_as_rejected(self):
        # Refused at acceptance (AR, ERR-3 200), so the sender learns at once that it is not taken;
        # the bytes are still stored, as a rejected message with the reason.
        self.gw.start()
        qry = "\r".join([msh("HIS", "QRY1", "QRY^A19^QRY_A19"), "QRD|20261123|R|I|Q1|||1^RD|100234|DEM"]) + "\r"
        self.assertEqual(self.gw.send(qry), ["AR"])
        self.gw.stop()
        self.assertFalse([e for e in self.gw.events() if e.get("event") == "pipeline.parked"])
        listed = self.gw.messages("list", "--status", "rejected")
        self.assertEqual(listed.returncode, 0, listed.stderr.decode())
        rows = [line for line in listed.stdout.decode().splitlines() if "unsupported" in line]
        self.assertEqual(len(rows), 1, listed.stdout.decode())
        self.assertIn("QRY^A19", rows[0])

    def test_with_unmapped_types_parked_an_unsupported_message_type_is_kept_and_shown_as_parked(self):
        with open(self.gw.config, "a") as f:
            f.write("    unmapped_types: park\n")  # on the listener, the config's last entry
        self.gw.start()
        qry = "\r".join([msh("HIS", "QRY1", "QRY^A19^QRY_A19"), "QRD|20261123|R|I|Q1|||1^RD|100234|DEM"]) + "\r"
        self.assertEqual(self.gw.send(qry), ["AA"])
        deadline = time.monotonic() + DELIVERY_TIMEOUT_S
        while time.monotonic() < deadline:
            if any(e.get("event") == "pipeline.parked" for e in self.gw.events()):
                break
            time.sleep(0.1)
        self.gw.stop()
        listed = self.gw.messages("list", "--status", "parked")
        self.assertEqual(listed.returncode, 0, listed.stderr.decode())
        rows = [line for line in listed.stdout.decode().splitlines() if "unsupported" in line]
        self.assertEqual(len(rows), 1, listed.stdout.decode())
        self.assertIn("QRY", rows[0])

    def test_kill_9_during_delivery_leaves_no_duplicate_rows(self):
        # Queue 300 reports with delivery off, then deliver, killing the gateway mid-way.
        self.gw.write_config(pipeline=False)
        self.gw.start()
        n = 300
        messages = [adt("ADT-K", "500001")] + [oru("LAB-K%d" % i, "500001", "FK%d" % i) for i in range(n)]
        self.assertEqual(self.gw.send(*messages), ["AA"] * (n + 1))
        self.gw.stop()
        self.gw.write_config(pipeline=True)
        kills = 0
        for delay in (0.2, 0.5, 0.3):
            self.gw.start()
            time.sleep(delay)
            bundle = self.gw.archive(MRN_SYSTEM + "|500001")
            if bundle is not None and len(resources(bundle, "DiagnosticReport")) == n:
                break
            self.gw.kill9()
            kills += 1
        if self.gw.proc is None:
            self.gw.start()
        bundle = self.wait_archive(MRN_SYSTEM + "|500001",
                                   lambda b: len(resources(b, "DiagnosticReport")) >= n, "all reports")
        self.assertGreaterEqual(kills, 1, "delivery finished before the first kill: nothing was tested")
        self.assertEqual(len(resources(bundle, "DiagnosticReport")), n)
        self.assertEqual(len(resources(bundle, "Observation")), 10 * n)
        self.assertEqual(len({o["id"] for o in resources(bundle, "Observation")}), 10 * n)
        self.gw.stop()
        # Straight from the database: no envelope applied twice.
        db = sqlite3.connect(self.gw.crm)
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        self.assertIn("applied_envelopes", tables)
        total, distinct = db.execute("SELECT COUNT(*), COUNT(DISTINCT envelope_id) FROM applied_envelopes").fetchone()
        self.assertEqual(total, distinct)
        self.assertEqual(total, n + 1)
        db.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
