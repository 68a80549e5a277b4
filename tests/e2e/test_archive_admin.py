#!/usr/bin/python3
"""The patient index's operator actions, end to end: `medgw serve` on a temporary config (the
Gateway helper of test_archive.py), messages sent with python3-hl7's `mllp_send`, and the actions
run with the built binary while the gateway runs:

    medgw archive merges     --config FILE [--identifier [SYSTEM|]VALUE] [--json]
    medgw archive undo-merge --config FILE MERGE_ID [--json]
    medgw archive review     --config FILE [--all] [--json]
    medgw archive unlink     --config FILE SOURCE_RECORD_ID [--json]

    /usr/bin/python3 tests/e2e/test_archive_admin.py   # or: ctest --preset dev -R e2e_archive_admin

Covered: an A40 merge is listed, undone (two archives again, each with its own report), and a
second undo is refused with exit status 1; two patients with the same name, birth date and sex
from different senders are a probable match: the second gets its own golden patient and a review
task naming the first, listed without demographics; unlink separates a certain link (a lab record
sharing the MRN) and refuses a lone record; usage and config errors exit 2.
"""
import json
import os
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import test_archive  # noqa: E402  (the Gateway helper and message builders)
from test_archive import MEDGW, MRN_SYSTEM, a40, adt, msh, oru, resources  # noqa: E402

# The check-up centre numbers its clients itself: another authority than the hospital's MRNs (two
# different MRNs of one authority are two people, never a probable match).
CHECKUP_SYSTEM = "urn:oid:1.2.156.112604.1.2.9"


def site_with_checkup_centre(codes_csv):
    return test_archive.site_yaml(codes_csv).replace("sources:\n", (
        "    TJZX:\n      system: \"%s\"\n      type: MR\n      kind: mrn\nsources:\n") % CHECKUP_SYSTEM, 1)


def adt_from(sender, control_id, number, name, birth, sex):
    """An ADT^A04 (register) from the check-up centre, with its own client number."""
    return "\r".join([
        msh(sender, control_id, "ADT^A04^ADT_A01"),
        "EVN|A04|20261123093000+0800",
        "PID|1||%s^^^TJZX^MR||%s||%s|%s" % (number, name, birth, sex),
        "PV1|1|O|PE^01^1^SZ-HOSP||||||||||||||||V-%s" % control_id,
    ]) + "\r"


class ArchiveAdminTest(test_archive.GatewayTestCase):
    tmp_prefix = "medgw-archive-admin-"

    def medgw(self, *args, config=None):
        """Runs `medgw archive ARGS --config CONFIG`; returns (exit status, stdout, stderr)."""
        r = subprocess.run([MEDGW, "archive", *args, "--config", config or self.gw.config],
                           capture_output=True, timeout=60)
        return r.returncode, r.stdout.decode("utf-8"), r.stderr.decode("utf-8")

    def medgw_json(self, *args):
        code, out, err = self.medgw(*args, "--json")
        self.assertEqual(code, 0, "medgw archive %s: %s%s" % (" ".join(args), out, err))
        return json.loads(out)

    def golden_of(self, bundle):
        return int(resources(bundle, "Patient")[0]["id"])

    def test_a_merge_is_listed_undone_once_and_refused_twice(self):
        self.gw.start()
        code, out, err = self.medgw("merges")
        self.assertEqual((code, out.strip()), (0, "no merges"), err)
        self.assertEqual(self.medgw_json("merges"), [])

        codes = self.gw.send(adt("ADT1", "700001"), oru("LAB1", "700001", "F7001"),
                             adt("ADT2", "700002", name="张^叁", birth="19850101"), oru("LAB2", "700002", "F7002"))
        self.assertEqual(codes, ["AA"] * 4)
        one_report = lambda b: len(resources(b, "DiagnosticReport")) == 1  # noqa: E731
        first = self.golden_of(self.wait_archive(MRN_SYSTEM + "|700001", one_report, "first patient"))
        second = self.golden_of(self.wait_archive(MRN_SYSTEM + "|700002", one_report, "second patient"))
        self.assertNotEqual(first, second)

        self.assertEqual(self.gw.send(a40("MRG1", "700001", "700002")), ["AA"])
        merged = self.wait_archive(MRN_SYSTEM + "|700001", lambda b: len(resources(b, "DiagnosticReport")) == 2,
                                   "merged archive")
        self.assertEqual(self.golden_of(merged), first)

        [merge] = self.medgw_json("merges")
        self.assertEqual((merge["from_golden"], merge["into_golden"]), (second, first))
        self.assertIsNone(merge["undone"])
        self.assertEqual(merge["moved_records"], 2, "the HIS and the LIS record of the second patient")
        self.assertTrue(merge["created"])
        self.assertTrue(merge["reason"])
        # The table: a header, then the merge with its golden patients.
        code, out, err = self.medgw("merges")
        self.assertEqual(code, 0, err)
        header, row = out.splitlines()
        self.assertEqual(header.split()[:2], ["ID", "CREATED"])
        self.assertIn("UNDONE", header)
        self.assertEqual(row.split()[:4], [str(merge["id"]), merge["created"], str(second), str(first)])
        # Filtered by either patient's identifier (the prior MRN leads to the merge too), any system.
        self.assertEqual([m["id"] for m in self.medgw_json("merges", "--identifier", MRN_SYSTEM + "|700002")],
                         [merge["id"]])
        self.assertEqual([m["id"] for m in self.medgw_json("merges", "--identifier", "700001")], [merge["id"]])
        code, out, err = self.medgw("merges", "--identifier", MRN_SYSTEM + "|799999")
        self.assertEqual(code, 1, out + err)
        self.assertIn("no patient has identifier", err)

        # Undo, while the gateway runs: two archives again, each with its own report.
        code, out, err = self.medgw("undo-merge", str(merge["id"]))
        self.assertEqual(code, 0, out + err)
        self.assertIn("merge %d undone" % merge["id"], out)
        a = self.gw.archive(MRN_SYSTEM + "|700001")
        b = self.gw.archive(MRN_SYSTEM + "|700002")
        self.assertEqual((self.golden_of(a), self.golden_of(b)), (first, second))
        [report_a] = resources(a, "DiagnosticReport")
        [report_b] = resources(b, "DiagnosticReport")
        self.assertIn("F7001", json.dumps(report_a))
        self.assertIn("F7002", json.dumps(report_b))
        self.assertEqual(len(resources(a, "Observation")), 10)
        self.assertEqual(len(resources(b, "Observation")), 10)
        for o in resources(b, "Observation"):
            self.assertEqual(o["subject"]["reference"], "Patient/%d" % second)
        [listed] = self.medgw_json("merges")
        self.assertIsNotNone(listed["undone"])
        self.assertEqual([m["id"] for m in self.medgw_json("merges", "--identifier", MRN_SYSTEM + "|700002")],
                         [merge["id"]], "the prior MRN still finds its undone merge")

        # A second undo is refused, and changes nothing.
        code, out, err = self.medgw("undo-merge", str(merge["id"]))
        self.assertEqual(code, 1, out + err)
        self.assertIn("already undone", err)
        self.assertEqual(self.golden_of(self.gw.archive(MRN_SYSTEM + "|700002")), second)
        code, out, err = self.medgw("undo-merge", "999")
        self.assertEqual(code, 1, out + err)
        self.assertIn("no merge 999", err)
        # Usage errors exit 2.
        code, out, err = self.medgw("undo-merge", "not-a-number")
        self.assertEqual(code, 2, out + err)
        code, out, err = self.medgw("undo-merge")
        self.assertEqual(code, 2, out + err)

    def test_a_probable_match_is_reviewed_and_a_certain_link_unlinked(self):
        self.gw.write_site(site_with_checkup_centre(self.gw.codes))
        self.gw.start()
        code, out, err = self.medgw("review")
        self.assertEqual((code, out.strip()), (0, "no open review tasks"), err)
        # The same name, birth date and sex from two senders, with different MRNs: a probable match
        # (not enough to link automatically): its own golden patient and a review task.
        self.assertEqual(self.gw.send(adt("ADT1", "800001", name="李^四", birth="19700512", sex="F")), ["AA"])
        first = self.golden_of(self.wait_archive(MRN_SYSTEM + "|800001", lambda b: True, "HIS patient"))
        self.assertEqual(self.gw.send(adt_from("PEIS", "PE1", "T800002", "李^四", "19700512", "F")), ["AA"])
        checkup = self.golden_of(self.wait_archive(CHECKUP_SYSTEM + "|T800002", lambda b: True, "check-up client"))
        self.assertNotEqual(checkup, first, "a probable match is never linked on a guess")

        [task] = self.medgw_json("review")
        self.assertEqual(task["kind"], "probable-match")
        self.assertEqual(task["golden"], checkup)
        self.assertEqual(task["other_goldens"], [first])
        self.assertEqual(task["status"], "open")
        self.assertTrue(task["created"])
        code, out, err = self.medgw("review")
        self.assertEqual(code, 0, err)
        header, row = out.splitlines()
        self.assertEqual(row.split()[:4], [str(task["id"]), "probable-match", str(task["source_record"]), str(checkup)])
        for phi in ("李", "800001", "800002", "1970"):
            self.assertNotIn(phi, out, "review output must not carry demographics or identifiers")
            self.assertNotIn(phi, json.dumps(self.medgw_json("review", "--all"), ensure_ascii=False))

        # Refused: the probable record is already alone; an unknown record.
        code, out, err = self.medgw("unlink", str(task["source_record"]))
        self.assertEqual(code, 1, out + err)
        self.assertIn("only record", err)
        code, out, err = self.medgw("unlink", "99999")
        self.assertEqual(code, 1, out + err)
        self.assertIn("no source record 99999", err)

        # A lab record sharing the HIS MRN links certain; unlinked while the gateway runs, it gets a
        # golden patient of its own, with its report.
        self.assertEqual(self.gw.send(oru("LAB1", "800001", "F8001")), ["AA"])
        self.wait_archive(MRN_SYSTEM + "|800001", lambda b: len(resources(b, "DiagnosticReport")) == 1,
                          "lab report")
        self.assertEqual(len(self.medgw_json("review", "--all")), 1, "a shared identifier opens no review")
        lab_record = task["source_record"] + 1
        code, out, err = self.medgw("unlink", str(lab_record))
        self.assertEqual(code, 0, out + err)
        self.assertRegex(out, r"^source record %d moved from golden patient %d to new golden patient \d+\n$"
                         % (lab_record, first))
        self.assertEqual(resources(self.gw.archive(MRN_SYSTEM + "|800001"), "DiagnosticReport"), [],
                         "the report followed the unlinked record")

    def test_config_errors_exit_2_and_never_create_a_store(self):
        missing = os.path.join(self.tmp, "missing.yaml")
        for args in (["merges"], ["review"], ["undo-merge", "1"], ["unlink", "1"]):
            code, out, err = self.medgw(*args, config=missing)
            self.assertEqual(code, 2, "%s: %s%s" % (args, out, err))
        # A valid config whose store does not exist yet (the gateway never ran).
        for args in (["merges"], ["review"], ["undo-merge", "1"], ["unlink", "1"]):
            code, out, err = self.medgw(*args)
            self.assertEqual(code, 2, "%s: %s%s" % (args, out, err))
            self.assertIn("no CRM store", err)
        self.assertFalse(os.path.exists(self.gw.crm), "an operator command must not create the store")


if __name__ == "__main__":
    unittest.main(verbosity=2)
