#!/usr/bin/python3
"""The patient index's operator actions through `medgw mpi`, end to end (issue 7): `medgw serve` on
a temporary config (test_archive.py's Gateway), messages sent over MLLP with python3-hl7's
`mllp_send`, and the actions run with the built binary while the gateway runs:

    medgw mpi review   --config FILE [--all] [--json]
    medgw mpi merge    FROM INTO --by NAME --reason TEXT --config FILE [--json]
    medgw mpi unmerge  MERGE_ID  --by NAME --reason TEXT --config FILE [--json]
    medgw mpi distinct A B       --by NAME --reason TEXT --config FILE [--json]
    medgw mpi link     RECORD GOLDEN --by NAME --reason TEXT --config FILE [--json]
    medgw mpi undo     OPERATION --by NAME --reason TEXT --config FILE [--json]
    medgw mpi history  --golden ID --config FILE [--json]

    /usr/bin/python3 tests/e2e/test_mpi_ops.py   # or: ctest --preset dev -R e2e_mpi_ops

Covered: review -> merge -> unmerge -> history: a check-up client matching two HIS patients on
name, birth date and sex (a probable match: a golden patient of its own, never linked on a guess)
is shown beside its candidates with the field scores; merging it into one closes the task and
joins their archives; unmerge restores exactly the previous links (and reopens the task); history
lists both with who and why. Then "not the same person": a marked pair is refused a merge and
never proposed again by a later message; a manual link survives the next message; undo. Usage, refusal and config errors (survivorship included) have their exit statuses.
"""
import hashlib
import json
import os
import subprocess
import sys
import time
import unittest
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import test_archive  # noqa: E402  (the Gateway helper and message builders)
from test_archive import MEDGW, MRN_SYSTEM, adt, oru, resources  # noqa: E402
from test_archive_admin import CHECKUP_SYSTEM, adt_from, site_with_checkup_centre  # noqa: E402

WHO = ["--by", "alice", "--reason", "checked the ID card at the desk"]
# The admin API's tokens: an operator console with the admin scope, a data client with every FHIR scope.
ADMIN_TOKENS = {"mpi-console": ("console-token", "medgw/mpi.admin"), "ehr": ("ehr-token", "system/*.*")}


class AdminGateway(test_archive.Gateway):
    """The Gateway with the FHIR server on (port 0, read from the fhir.listening log line), which
    carries the admin API."""

    def write_config(self, pipeline=True):
        super().write_config(pipeline)
        lines = ["fhir:", "  enabled: true", "  bind: 127.0.0.1", "  port: 0", "  api_keys:"]
        for client, (token, scope) in ADMIN_TOKENS.items():
            lines += ["    - client: %s" % client, "      token_sha256: %s" % hashlib.sha256(token.encode()).hexdigest(),
                      "      scopes: [%s]" % scope]
        with open(self.config, "a") as f:
            f.write("\n".join(lines) + "\n")

    def start(self):
        super().start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            for e in self.events():
                if e.get("event") == "fhir.listening":
                    self.fhir_port = int(e["port"])
                    return self
            time.sleep(0.05)
        raise AssertionError("the FHIR server did not listen within 60 s")

    def admin(self, method, path, body=None, token="console-token"):
        """(status, parsed JSON) of an admin API call."""
        req = urllib.request.Request("http://127.0.0.1:%d%s" % (self.fhir_port, path), method=method,
                                     data=json.dumps(body).encode() if body is not None else None)
        if token:
            req.add_header("Authorization", "Bearer " + token)
        if body is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")


class MpiOpsTest(test_archive.GatewayTestCase):
    tmp_prefix = "medgw-mpi-ops-"

    def mpi(self, *args, config=None):
        """Runs `medgw mpi ARGS --config CONFIG`; returns (exit status, stdout, stderr)."""
        r = subprocess.run([MEDGW, "mpi", *args, "--config", config or self.gw.config],
                           capture_output=True, timeout=60)
        return r.returncode, r.stdout.decode("utf-8"), r.stderr.decode("utf-8")

    def mpi_json(self, *args):
        code, out, err = self.mpi(*args, "--json")
        self.assertEqual(code, 0, "medgw mpi %s: %s%s" % (" ".join(args), out, err))
        return json.loads(out)

    def golden_of(self, identifier):
        bundle = self.gw.archive(identifier)
        self.assertIsNotNone(bundle, identifier)
        return int(resources(bundle, "Patient")[0]["id"])

    def two_his_patients_and_a_checkup_client(self):
        """HIS 900001 (with a report) and HIS 900003: same name, birth date and sex, two MRNs of one
        authority (a second registration, or a second person); then a check-up client matching
        both on demographics alone. None is linked on a guess: each probable match gets a golden
        patient of its own and a review task naming its candidates."""
        self.gw.write_site(site_with_checkup_centre(self.gw.codes))
        self.gw.start()
        lab = oru("LAB1", "900001", "F9001").replace("||张^三||19900307|M", "||王^五||19600101|M")
        self.assertEqual(self.gw.send(adt("ADT1", "900001", name="王^五", birth="19600101"), lab), ["AA", "AA"])
        self.wait_archive(MRN_SYSTEM + "|900001", lambda b: len(resources(b, "DiagnosticReport")) == 1, "first")
        self.assertEqual(self.gw.send(adt("ADT3", "900003", name="王^五", birth="19600101")), ["AA"])
        self.wait_archive(MRN_SYSTEM + "|900003", lambda b: True, "second")
        self.assertEqual(self.gw.send(adt_from("PEIS", "PE1", "T900002", "王^五", "19600101", "M")), ["AA"])
        self.wait_archive(CHECKUP_SYSTEM + "|T900002", lambda b: True, "check-up client")
        first, second = self.golden_of(MRN_SYSTEM + "|900001"), self.golden_of(MRN_SYSTEM + "|900003")
        client = self.golden_of(CHECKUP_SYSTEM + "|T900002")
        self.assertEqual(len({first, second, client}), 3, "probable matches are never linked on a guess")
        return first, second, client

    def tasks_by_golden(self, tasks):
        return {t["golden"]["id"]: t for t in tasks}

    def test_review_merge_unmerge_history(self):
        first, second, client = self.two_his_patients_and_a_checkup_client()

        # review: the client's record beside its candidates, with the scores behind the proposal.
        tasks = self.tasks_by_golden(self.mpi_json("review"))
        self.assertEqual(sorted(tasks), sorted([second, client]))
        self.assertEqual(tasks[second]["other_goldens"], [first], "the second registration beside the first")
        task = tasks[client]
        self.assertEqual(task["kind"], "probable-match")
        self.assertEqual(sorted(task["other_goldens"]), sorted([first, second]))
        self.assertEqual([c["id"] for c in task["candidates"]], task["other_goldens"])
        rec = task["source_record"]["fields"]
        self.assertEqual(task["source_record"]["sender"], "PEIS^SZ-HOSP")
        self.assertEqual((rec["name"], rec["birth_date"], rec["gender"]), ("王 五", "1960-01-01", "male"))
        self.assertEqual(rec["identifiers"], [CHECKUP_SYSTEM + "|T900002"])
        cand = task["candidates"][0]["fields"]
        self.assertEqual((cand["name"], cand["birth_date"], cand["gender"]), ("王 五", "1960-01-01", "male"))
        self.assertTrue(any(i.startswith(MRN_SYSTEM + "|9000") for i in cand["identifiers"]), cand)
        scores = task["field_scores"]
        self.assertIsNotNone(scores, "a probable match carries the matcher's evidence")
        self.assertIn("birth_date", json.dumps(scores))
        code, out, err = self.mpi("review")
        self.assertEqual(code, 0, err)
        self.assertRegex(out, r"(^|\n)review task %d  probable-match  " % task["id"])
        self.assertRegex(out, r"FIELD +SOURCE RECORD %d \(PEIS\^SZ-HOSP\) +CANDIDATE %d\n"
                         % (task["source_record"]["id"], task["other_goldens"][0]))
        self.assertRegex(out, r"\n  birth date +1960-01-01 +1960-01-01\n")
        self.assertIn("field scores: ", out)

        # merge: the reviewer finds the client is the first HIS patient; the task is answered.
        code, out, err = self.mpi("merge", str(client), str(first), "--reason")
        self.assertEqual(code, 2, "--reason needs a value, --by is required: " + out + err)
        merged = self.mpi_json("merge", str(client), str(first), *WHO)
        self.assertEqual((merged["kind"], merged["golden"], merged["other_golden"]), ("merge", first, client))
        self.assertEqual(merged["review_tasks"], [task["id"]])
        self.assertEqual(self.golden_of(CHECKUP_SYSTEM + "|T900002"), first)
        self.assertEqual(len(resources(self.gw.archive(CHECKUP_SYSTEM + "|T900002"), "DiagnosticReport")), 1,
                         "the archives are joined")
        self.assertEqual([t["id"] for t in self.mpi_json("review")], [tasks[second]["id"]])
        code, out, err = self.mpi("merge", str(client), str(first), *WHO)
        self.assertEqual(code, 1, out + err)
        self.assertIn("was merged into %d" % first, err)

        # unmerge: exactly the previous links, the task open again.
        code, out, err = self.mpi("unmerge", str(merged["merge"]), "--by", "bob", "--reason", "two people after all")
        self.assertEqual(code, 0, out + err)
        self.assertRegex(out, r"^operation \d+ \(unmerge\): merge %d undone: golden patient %d is separate from %d "
                              r"again; undid operation %d; reopened review task %d\n$"
                         % (merged["merge"], client, first, merged["operation"], task["id"]))
        self.assertEqual(self.golden_of(CHECKUP_SYSTEM + "|T900002"), client)
        self.assertEqual(self.golden_of(MRN_SYSTEM + "|900001"), first)
        self.assertEqual(self.golden_of(MRN_SYSTEM + "|900003"), second)
        self.assertEqual(len(resources(self.gw.archive(MRN_SYSTEM + "|900001"), "DiagnosticReport")), 1)
        self.assertEqual(resources(self.gw.archive(CHECKUP_SYSTEM + "|T900002"), "DiagnosticReport"), [])
        self.assertEqual(sorted(t["id"] for t in self.mpi_json("review")), sorted([task["id"], tasks[second]["id"]]))
        code, out, err = self.mpi("unmerge", str(merged["merge"]), *WHO)
        self.assertEqual(code, 1, out + err)
        self.assertIn("undone already", err)

        # history: who, why, and the undo paired with what it undid.
        merge_op, unmerge_op = self.mpi_json("history", "--golden", str(first))
        self.assertEqual((merge_op["kind"], merge_op["by"], merge_op["reason"]),
                         ("merge", "alice", "checked the ID card at the desk"))
        self.assertFalse(merge_op["automatic"])
        self.assertEqual((unmerge_op["kind"], unmerge_op["by"], unmerge_op["reason"]),
                         ("unmerge", "bob", "two people after all"))
        self.assertEqual(merge_op["undone_by"], unmerge_op["id"])
        self.assertEqual(unmerge_op["undoes"], merge_op["id"])
        self.assertEqual(merge_op["merge"], merged["merge"])
        self.assertEqual([o["id"] for o in self.mpi_json("history", "--golden", str(client))],
                         [merge_op["id"], unmerge_op["id"]])
        code, out, err = self.mpi("history", "--golden", str(first))
        self.assertEqual(code, 0, err)
        header, *rows = out.splitlines()
        self.assertEqual(header.split()[:4], ["ID", "AT", "KIND", "BY"])
        self.assertEqual([r.split()[2:4] for r in rows], [["merge", "alice"], ["unmerge", "bob"]])
        code, out, err = self.mpi("history", "--golden", "99999")
        self.assertEqual(code, 1, out + err)
        self.assertIn("no golden patient 99999", err)

    def test_distinct_pair_is_never_proposed_again_and_a_manual_link_stands(self):
        first, second, client = self.two_his_patients_and_a_checkup_client()
        tasks = self.tasks_by_golden(self.mpi_json("review"))
        marked = self.mpi_json("distinct", str(first), str(second), *WHO)
        self.assertEqual(marked["review_tasks"], [tasks[second]["id"]], "the mark answers the task proposing the pair")
        code, out, err = self.mpi("merge", str(second), str(first), *WHO)
        self.assertEqual(code, 1, out + err)
        self.assertIn("not the same person", err)

        # The second HIS registration sent again, now carrying the first's MRN as well: a certain
        # identifier of a patient marked distinct is not proposed, the record stays apart.
        again = adt("ADT4", "900003", name="王^五", birth="19600101").replace(
            "900003^^^BLH^MR", "900003^^^BLH^MR~900001^^^BLH^MR")
        self.assertIn("900001^^^BLH^MR", again)
        self.assertEqual(self.gw.send(again), ["AA"])
        self.wait_archive(MRN_SYSTEM + "|900003", lambda b: True, "re-sent")
        time.sleep(0.5)
        self.assertEqual(self.golden_of(MRN_SYSTEM + "|900003"), second)
        self.assertEqual(sorted(t["golden"]["id"] for t in self.mpi_json("review")), [client])

        # A manual link of the client to the second patient stands against the client's next message.
        record = tasks[client]["source_record"]["id"]
        linked = self.mpi_json("link", str(record), str(second), *WHO)
        self.assertEqual((linked["golden"], linked["other_golden"]), (second, client))
        self.assertEqual(linked["review_tasks"], [tasks[client]["id"]])
        self.assertEqual(self.golden_of(CHECKUP_SYSTEM + "|T900002"), second)
        # The golden patient's visits grow by the re-sent one; the record stays where it was put.
        visits = len(resources(self.gw.archive(CHECKUP_SYSTEM + "|T900002"), "Encounter"))
        self.assertEqual(self.gw.send(adt_from("PEIS", "PE3", "T900002", "王^五", "19600101", "M")), ["AA"])
        self.wait_archive(CHECKUP_SYSTEM + "|T900002", lambda b: len(resources(b, "Encounter")) == visits + 1,
                          "re-sent")
        self.assertEqual(self.golden_of(CHECKUP_SYSTEM + "|T900002"), second)

        # undo the link and the mark; an undo is not undone.
        undone = self.mpi_json("undo", str(linked["operation"]), *WHO)
        self.assertEqual((undone["kind"], undone["golden"], undone["undid"]), ("undo", client, linked["operation"]))
        self.assertEqual(self.golden_of(CHECKUP_SYSTEM + "|T900002"), client)
        code, out, err = self.mpi("undo", str(undone["operation"]), *WHO)
        self.assertEqual(code, 1, out + err)
        self.assertIn("not undone", err)
        self.assertEqual(self.mpi_json("undo", str(marked["operation"]), *WHO)["undid"], marked["operation"])
        self.assertEqual(self.mpi_json("merge", str(second), str(first), *WHO)["kind"], "merge")

    def test_the_admin_api_does_the_same_behind_its_scope(self):
        self.gw = AdminGateway(self.tmp)
        first, second, client = self.two_his_patients_and_a_checkup_client()
        self.assertEqual(self.gw.admin("GET", "/admin/mpi/review", token=None)[0], 401)
        self.assertEqual(self.gw.admin("GET", "/admin/mpi/review", token="ehr-token")[0], 403)
        self.assertEqual(self.gw.admin("POST", "/admin/mpi/merge", {"from": client, "into": first, "reason": "x"},
                                       token="ehr-token")[0], 403)
        status, tasks = self.gw.admin("GET", "/admin/mpi/review")
        self.assertEqual(status, 200, tasks)
        self.assertEqual(sorted((t["golden"]["id"], sorted(t["other_goldens"])) for t in tasks),
                         sorted([(second, [first]), (client, sorted([first, second]))]))
        self.assertEqual(tasks, self.mpi_json("review"), "the CLI and the API answer alike")

        status, merged = self.gw.admin("POST", "/admin/mpi/merge",
                                       {"from": client, "into": first, "reason": "same person", "by": "carol"})
        self.assertEqual(status, 200, merged)
        self.assertEqual(self.golden_of(CHECKUP_SYSTEM + "|T900002"), first)
        status, refused = self.gw.admin("POST", "/admin/mpi/merge", {"from": client, "into": first, "reason": "again"})
        self.assertEqual(status, 409, refused)
        status, unmerged = self.gw.admin("POST", "/admin/mpi/unmerge", {"merge": merged["merge"], "reason": "no"})
        self.assertEqual(status, 200, unmerged)
        self.assertEqual(self.golden_of(CHECKUP_SYSTEM + "|T900002"), client)
        status, history = self.gw.admin("GET", "/admin/mpi/history?golden=%d" % first)
        self.assertEqual(status, 200, history)
        self.assertEqual([(o["kind"], o["by"]) for o in history],
                         [("merge", "carol via mpi-console"), ("unmerge", "mpi-console")])
        self.assertEqual(history, self.mpi_json("history", "--golden", str(first)))

    def test_usage_and_config_errors(self):
        missing = os.path.join(self.tmp, "missing.yaml")
        code, out, err = self.mpi("review", config=missing)
        self.assertEqual(code, 2, out + err)
        # The gateway never ran: no store, and an operator command does not create one.
        code, out, err = self.mpi("review")
        self.assertEqual(code, 2, out + err)
        self.assertIn("no CRM store", err)
        self.assertFalse(os.path.exists(self.gw.crm))
        code, out, err = self.mpi("merge", "1", "2", "--by", "alice")
        self.assertEqual(code, 2, "--reason is required: " + out + err)
        code, out, err = self.mpi("unmerge", "x", *WHO)
        self.assertEqual(code, 2, out + err)

        # Survivorship rules are validated with the config.
        with open(self.gw.config) as f:
            base = f.read()
        bad = os.path.join(self.tmp, "bad.yaml")
        for rules, message in (
                ("    name: newest\n", "crm_store.survivorship.name: must be most_recent or most_trusted"),
                ("    nickname: most_recent\n", "crm_store.survivorship.nickname: unknown key"),
                ("    name: most_trusted\n", "crm_store.survivorship.trusted_senders: required"),
                ("    trusted_senders: [HIS^SZ-HOSP, HIS^SZ-HOSP]\n", "is listed twice")):
            with open(bad, "w") as f:
                f.write(base.replace("crm_store:\n", "crm_store:\n  survivorship:\n" + rules, 1))
            code, out, err = self.mpi("review", config=bad)
            self.assertEqual(code, 2, out + err)
            self.assertIn(message, err)

    def test_survivorship_rules_choose_the_golden_patients_name(self):
        with open(self.gw.config) as f:
            base = f.read()
        with open(self.gw.config, "w") as f:
            f.write(base.replace("crm_store:\n", "crm_store:\n  survivorship:\n    trusted_senders: [HIS^SZ-HOSP]\n"
                                 "    name: most_trusted\n", 1))
        self.gw.start()
        # The lab's later record of the same MRN spells the name its own way.
        lab = oru("LAB1", "910001", "F9101").replace("PID|1||910001^^^BLH^MR||张^三", "PID|1||910001^^^BLH^MR||ZHANG^SAN")
        self.assertEqual(self.gw.send(adt("ADT1", "910001"), lab), ["AA", "AA"])
        bundle = self.wait_archive(MRN_SYSTEM + "|910001", lambda b: len(resources(b, "DiagnosticReport")) == 1,
                                   "patient with report")
        golden = resources(bundle, "Patient")[0]
        self.assertEqual(golden["name"][0]["family"], "张", "the HIS is trusted for names over the later LIS")


if __name__ == "__main__":
    unittest.main(verbosity=2)
