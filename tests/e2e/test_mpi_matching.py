#!/usr/bin/python3
"""The patient index's matching commands, end to end, with the built binary:

    medgw mpi evaluate --febrl DIR [--train] [--datasets NAME...]
    medgw mpi evaluate --chinese N [--seed S]
    medgw mpi --config FILE model | train [--dry-run]

    /usr/bin/python3 tests/e2e/test_mpi_matching.py   # or: ctest --preset dev -R e2e_mpi_matching

The FEBRL datasets (../shared/corpus/febrl, or MEDGW_FEBRL_DIR) are streamed one record at a
time through the real resolver into empty stores; the pairwise precision and recall of the
automatic links must stay above floors (well below what README reports, so a slower machine or a
retuned threshold does not fail it, but a broken comparator or blocking key does). Skipped, with a
message, when the corpus is absent.
"""
import os
import re
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
MEDGW = os.environ.get("MEDGW_BIN") or os.path.join(REPO, "build", "dev", "gateway", "medgw")
FEBRL = os.environ.get("MEDGW_FEBRL_DIR") or os.path.join(os.path.dirname(REPO), "shared", "corpus", "febrl")

LINE = re.compile(r"^  auto-link: precision ([0-9.]+)  recall ([0-9.]+)  F1 ([0-9.]+)", re.M)
REVIEW = re.compile(r"^  review: (\d+) records sent to review", re.M)


def run(*args, timeout=900):
    r = subprocess.run([MEDGW, *args], capture_output=True, timeout=timeout)
    return r.returncode, r.stdout.decode("utf-8"), r.stderr.decode("utf-8")


def figures(out):
    return [tuple(float(x) for x in m.groups()) for m in LINE.finditer(out)]


class FebrlEvaluation(unittest.TestCase):
    def setUp(self):
        if not os.path.exists(os.path.join(FEBRL, "dataset1.csv")):
            self.skipTest("FEBRL corpus not found at %s (set MEDGW_FEBRL_DIR): evaluation skipped" % FEBRL)

    def test_default_model_streams_every_dataset_above_the_floors(self):
        code, out, err = run("mpi", "evaluate", "--febrl", FEBRL)
        self.assertEqual(code, 0, out + err)
        sys.stderr.write(out)
        got = figures(out)
        self.assertEqual(len(got), 3, out)
        for (precision, recall, f1), name in zip(got, ("dataset1", "dataset2", "dataset3")):
            self.assertGreaterEqual(precision, 0.99, name + "\n" + out)
            self.assertGreaterEqual(recall, 0.80, name + "\n" + out)
        self.assertEqual(len(REVIEW.findall(out)), 3)
        # No PHI on the console: no FEBRL name or record number.
        self.assertNotIn("rec-", out + err)

    def test_trained_model_on_dataset1(self):
        code, out, err = run("mpi", "evaluate", "--febrl", FEBRL, "--train", "--datasets", "dataset1")
        self.assertEqual(code, 0, out + err)
        sys.stderr.write(out)
        [(precision, recall, f1)] = figures(out)
        self.assertGreaterEqual(precision, 0.99, out)
        self.assertGreaterEqual(recall, 0.80, out)
        self.assertIn("EM ", out)


class ChineseEvaluation(unittest.TestCase):
    """The synthetic Chinese population (made here, always present): homophones, traditional and
    pinyin spellings, swapped dates, missing or wrong IDs, changed phones and addresses."""

    def test_the_synthetic_population_streams_above_the_floors_with_a_breakdown(self):
        code, out, err = run("mpi", "evaluate", "--chinese", "1000", "--seed", "7")
        self.assertEqual(code, 0, out + err)
        sys.stderr.write(out)
        [(precision, recall, f1)] = figures(out)
        self.assertGreaterEqual(precision, 0.99, out)
        self.assertGreaterEqual(recall, 0.85, out)
        for kind in ("homophone", "traditional", "pinyin-name", "day-month-swapped", "national-id-missing",
                     "national-id-digit-wrong", "phone-changed", "phone-reformatted", "address-moved"):
            m = re.search(r"^  %s +(\d+) duplicates: +(\d+) linked" % kind, out, re.M)
            self.assertIsNotNone(m, kind + "\n" + out)
            total, linked = int(m.group(1)), int(m.group(2))
            self.assertGreater(total, 0, kind)
            self.assertGreaterEqual(linked / total, 0.6, "%s: %s" % (kind, out))
        # The same seed gives the same population, so the same figures.
        code2, out2, _ = run("mpi", "evaluate", "--chinese", "1000", "--seed", "7")
        self.assertEqual(code2, 0)
        self.assertEqual(figures(out2), figures(out))

    def test_usage_errors(self):
        for args in (["--chinese", "0"], ["--chinese", "2000000"], []):
            code, out, err = run("mpi", "evaluate", *args)
            self.assertEqual(code, 2, "%s: %s%s" % (args, out, err))
        code, out, err = run("mpi", "evaluate", "--chinese", "10", "--febrl", FEBRL)
        self.assertNotEqual(code, 0, "one source at a time: " + out + err)


class MatchingCommands(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="medgw-mpi-matching-")
        self.crm = os.path.join(self.tmp.name, "crm.sqlite")
        self.config = os.path.join(self.tmp.name, "medgw.yaml")
        with open(self.config, "w") as f:
            f.write("crm_store:\n  path: %s\n" % self.crm)

    def tearDown(self):
        self.tmp.cleanup()

    def test_commands_never_create_a_store(self):
        for args in (["model"], ["train"]):
            code, out, err = run("mpi", "--config", self.config, *args)
            self.assertEqual(code, 2, out + err)
            self.assertIn("no CRM store", err)
        self.assertFalse(os.path.exists(self.crm))

    def test_evaluate_refuses_a_missing_directory(self):
        code, out, err = run("mpi", "evaluate", "--febrl", os.path.join(self.tmp.name, "nope"))
        self.assertEqual(code, 2, out + err)
        self.assertIn("no directory", err)


if __name__ == "__main__":
    unittest.main()
