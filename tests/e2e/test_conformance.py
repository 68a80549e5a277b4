#!/usr/bin/env python3
"""End-to-end tests of `medgw conformance` (issue 8), driven as a vendor drives it:

    medgw conformance validate --profile P [--format text|json|junit|html] [--out F] FILE...
    medgw conformance run --suite S --target mllp://HOST:PORT --fhir URL [--junit F] [--html F]
    medgw conformance listen --suite S --port P [--junit F] [--html F]

Covered: deliberately wrong messages give exactly the expected findings and exit status 1, a
correct one 0, usage errors 2; the JUnit report parses and the HTML page is self-contained and
escaped; every shipped suite passes against `medgw serve` itself (MLLP + FHIR API); `listen`
driven by python3-hl7's mllp_send answers as the gateway would and writes its reports.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_archive  # noqa: E402
import test_fhir_api  # noqa: E402

MEDGW = os.environ.get("MEDGW_BIN", "medgw")
MLLP_SEND = "/usr/bin/mllp_send"
SUITES_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "conformance", "suites")
SUITES = ["patient-lifecycle", "lab-results-corrections", "imaging-report", "documents", "fhir-push", "charsets",
          "error-handling"]
CRM_TOKEN = test_fhir_api.TOKENS["crm"][0]

GOOD = ("MSH|^~\\&|HIS|SZ-HOSP|MEDGW|CRM|20261123093000+0800||ADT^A04^ADT_A01|V-1|P|2.5.1|||||CHN|UNICODE UTF-8\r"
        "EVN|A04|20261123093000+0800\r"
        "PID|1||V0001^^^BLH^MR~110101198506120012^^^SFZH^NI||测试^校验||19850612|M\r"
        "PV1|1|O\r")


def medgw(*args, timeout=120):
    return subprocess.run([MEDGW, *args], capture_output=True, timeout=timeout)


class ValidateTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="medgw-conformance-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def write(self, name, text):
        path = os.path.join(self.tmp, name)
        with open(path, "wb") as f:
            f.write(text.encode() if isinstance(text, str) else text)
        return path

    def findings(self, *files, profile="cn-his"):
        r = medgw("conformance", "validate", "--profile", profile, "--format", "json", *files)
        return r.returncode, json.loads(r.stdout)

    def test_a_correct_message_passes_and_wrong_ones_give_exactly_their_findings(self):
        good = self.write("good.hl7", GOOD)
        code, report = self.findings(good)
        self.assertEqual(code, 0, report)
        self.assertEqual(report["cases"][0]["findings"], [])
        self.assertTrue(report["passed"])

        wrong = {
            # a missing required field, a wrong data type, a value outside its set, a bad checksum
            "missing.hl7": (GOOD.replace("||测试^校验||", "||||"), [("error", "PID[1]-5", "usage.required", "")]),
            "datatype.hl7": (GOOD.replace("||19850612|", "||1985-06-12|"),
                             [("error", "PID[1]-7.1", "datatype.DTM", "1985-06-12")]),
            "valueset.hl7": (GOOD.replace("|19850612|M", "|19850612|Q"), [("error", "PID[1]-8", "value-set", "Q")]),
            "checksum.hl7": (GOOD.replace("110101198506120012", "110101198506120013"),
                             [("error", "PID[1]-3[2].1", "national-id.bad-checksum", "110101198506120013")]),
        }
        for name, (text, expected) in wrong.items():
            code, report = self.findings(self.write(name, text))
            self.assertEqual(code, 1, name)
            got = [(f["severity"], f["location"], f["rule"], f["actual"]) for f in report["cases"][0]["findings"]]
            self.assertEqual(got, expected, name)

    def test_several_files_and_text_output(self):
        a = self.write("a.hl7", GOOD)
        b = self.write("b.hl7", GOOD.replace("|M\r", "|X\r") + GOOD.replace("V-1", "V-2"))
        r = medgw("conformance", "validate", "--profile", "medgw", a, b)
        self.assertEqual(r.returncode, 1)
        out = r.stdout.decode()
        self.assertIn("PASS " + a, out)
        self.assertIn("FAIL " + b + " #1", out)
        self.assertIn("PASS " + b + " #2", out)
        self.assertIn("error PID[1]-8 value-set", out)
        self.assertIn("3 messages, 1 failed; 1 errors, 0 warnings", out)

    def test_usage_errors_exit_2(self):
        self.assertEqual(medgw("conformance", "validate", "--profile", "no-such-set", self.write("g.hl7", GOOD)).returncode, 2)
        self.assertEqual(medgw("conformance", "validate", os.path.join(self.tmp, "missing.hl7")).returncode, 2)
        self.assertEqual(medgw("conformance", "validate", "--format", "pdf", self.write("h.hl7", GOOD)).returncode, 2)

    def test_junit_and_html_reports(self):
        bad = self.write("bad.hl7", GOOD.replace("|M\r", "|<b>&\r"))
        junit = os.path.join(self.tmp, "r.xml")
        html = os.path.join(self.tmp, "r.html")
        self.assertEqual(medgw("conformance", "validate", "--profile", "medgw", "--format", "junit", "--out", junit, bad).returncode, 1)
        self.assertEqual(medgw("conformance", "validate", "--profile", "medgw", "--format", "html", "--out", html, bad).returncode, 1)
        root = ET.parse(junit).getroot()
        self.assertEqual(root.get("failures"), "1")
        failure = root.find("./testsuite/testcase/failure")
        self.assertIsNotNone(failure)
        self.assertIn("PID[1]-8 value-set", failure.text)
        self.assertIn("<b>&", failure.text)  # the value, escaped in the XML, intact once parsed
        page = open(html, encoding="utf-8").read()
        self.assertIn("&lt;b&gt;&amp;", page)
        self.assertNotIn("<b>&", page)
        self.assertIsNone(re.search(r"(src|href)=\"(https?:)?//", page), "no external resources")
        self.assertNotIn("<script", page)
        self.assertIn("medgw version", page)
        self.assertIn("FAILED", page)


def site_with_gbk_source(codes):
    """test_archive's site plus the cn-hospital convention the charsets suite needs: HIS^CNHOSP
    sends GBK without MSH-18."""
    text = test_archive.site_yaml(codes)
    return text.replace("sources:\n", "sources:\n  - sender: \"HIS^CNHOSP\"\n    charset: GBK\n", 1)


class SuitesAgainstTheGatewayTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="medgw-conformance-run-")
        cls.gw = test_fhir_api.FhirGateway(cls.tmp)
        cls.gw.write_site(site_with_gbk_source(cls.gw.codes))
        cls.gw.start()

    @classmethod
    def tearDownClass(cls):
        try:
            cls.gw.stop()
        finally:
            shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_every_suite_passes_against_medgw(self):
        for suite in SUITES:
            with self.subTest(suite=suite):
                junit = os.path.join(self.tmp, suite + ".xml")
                html = os.path.join(self.tmp, suite + ".html")
                r = medgw("conformance", "run", "--suite", suite, "--target", "mllp://127.0.0.1:%d" % self.gw.port,
                          "--fhir", "http://127.0.0.1:%d/fhir" % self.gw.fhir_port, "--fhir-token", CRM_TOKEN,
                          "--timeout-ms", "20000", "--junit", junit, "--html", html, timeout=600)
                self.assertEqual(r.returncode, 0, r.stdout.decode() + r.stderr.decode())
                root = ET.parse(junit).getroot()
                self.assertEqual(root.get("failures"), "0")
                self.assertGreater(int(root.get("tests")), 0)
                self.assertIn("PASSED", open(html, encoding="utf-8").read())

    def test_a_wrong_expectation_fails_the_run(self):
        # A copy of a suite expecting AR for a message the gateway accepts.
        d = os.path.join(self.tmp, "wrong-suite")
        shutil.copytree(os.path.join(SUITES_DIR, "documents"), d)
        with open(os.path.join(d, "suite.yaml")) as f:
            text = f.read()
        with open(os.path.join(d, "suite.yaml"), "w") as f:
            f.write(text.replace("ack: AA", "ack: AR", 1))
        r = medgw("conformance", "run", "--suite", d, "--target", "mllp://127.0.0.1:%d" % self.gw.port, timeout=300)
        self.assertEqual(r.returncode, 1)
        self.assertIn("scenario.ack-code", r.stdout.decode())


class ListenTest(unittest.TestCase):
    def setUp(self):
        if not os.access(MLLP_SEND, os.X_OK):
            self.fail("%s (Debian python3-hl7) is missing: run deploy/install-deps.sh" % MLLP_SEND)
        self.tmp = tempfile.mkdtemp(prefix="medgw-conformance-listen-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def start(self, suite):
        self.junit = os.path.join(self.tmp, "listen.xml")
        self.html = os.path.join(self.tmp, "listen.html")
        self.err = open(os.path.join(self.tmp, "listen.err"), "w+b")
        proc = subprocess.Popen([MEDGW, "conformance", "listen", "--suite", suite, "--port", "0", "--bind", "127.0.0.1",
                                 "--junit", self.junit, "--html", self.html],
                                stdout=subprocess.PIPE, stderr=self.err)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            self.err.seek(0)
            m = re.search(rb"listening on 127\.0\.0\.1:(\d+)", self.err.read())
            if m:
                return proc, int(m.group(1))
            if proc.poll() is not None:
                self.fail("listen exited early")
            time.sleep(0.05)
        proc.kill()
        self.fail("listen did not start")

    def send(self, port, *files):
        path = os.path.join(self.tmp, "send.hl7")
        with open(path, "wb") as out:
            for name in files:
                with open(name, "rb") as f:
                    out.write(f.read().replace(b"\r", b"\r\n"))
        r = subprocess.run([MLLP_SEND, "--port", str(port), "--loose", "--file", path, "127.0.0.1"],
                           capture_output=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        return [seg.split(b"|")[1].decode() for frame in r.stdout.split(b"\x1c")
                for seg in frame.replace(b"\n", b"\r").split(b"\r") if seg.startswith(b"MSA|")]

    def test_the_vendor_plays_a_suite_and_gets_the_gateways_acks_and_a_report(self):
        proc, port = self.start("patient-lifecycle")
        d = os.path.join(SUITES_DIR, "patient-lifecycle")
        files = [os.path.join(d, n) for n in sorted(os.listdir(d)) if n.endswith(".hl7")]
        self.assertEqual(self.send(port, *files), ["AA", "AA", "AA", "AA"])
        out, _ = proc.communicate(timeout=60)  # the scenario is complete: listen ends by itself
        self.assertEqual(proc.returncode, 0, out.decode())
        root = ET.parse(self.junit).getroot()
        self.assertEqual((root.get("tests"), root.get("failures")), ("4", "0"))
        self.assertIn("PASSED", open(self.html, encoding="utf-8").read())

    def test_a_wrong_message_gets_ae_with_err_and_an_interrupted_scenario_fails(self):
        proc, port = self.start("patient-lifecycle")
        wrong = os.path.join(self.tmp, "wrong.hl7")
        with open(wrong, "w") as f:
            f.write(GOOD.replace("||测试^校验||", "||||"))  # PID-5 missing
        codes = self.send(port, wrong)
        self.assertEqual(codes, ["AE"])
        proc.send_signal(2)  # Ctrl-C: the report is written with the steps not received
        out, _ = proc.communicate(timeout=60)
        self.assertEqual(proc.returncode, 1)
        text = out.decode()
        self.assertIn("usage.required", text)
        self.assertIn("scenario.not-received", text)
        root = ET.parse(self.junit).getroot()
        self.assertEqual((root.get("tests"), root.get("failures")), ("4", "4"))


if __name__ == "__main__":
    unittest.main(verbosity=2)
