#!/usr/bin/python3
"""End-to-end tests of the medgw CLI, driven as a user drives it.

Runs the built binary (MEDGW_BIN, set by ctest; default build/dev/gateway/medgw) on messages
written here into temporary files, and checks what a user sees: exit status, the parse tree, the
JSON tree, located errors, charsets, the ACK and the benchmark line. The ACKs are also read by an
independent parser, Debian's python3-hl7 (installed by deploy/install-deps.sh).

    /usr/bin/python3 tests/e2e/test_cli.py        # or: ctest --preset dev -R e2e
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

try:
    import hl7 as python_hl7
except ImportError:  # reported by the tests that need it, never skipped
    python_hl7 = None

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
MEDGW = os.environ.get("MEDGW_BIN") or os.path.join(REPO, "build", "dev", "gateway", "medgw")

ENC = "^~\\&"  # the usual encoding characters, MSH-2


def msh(control_id, *, msg_type="ADT^A01^ADT_A01", version="2.5.1", accept="", application="",
        charset="", sender=("HIS", "SZ-HOSP"), receiver=("MEDGW", "CRM")):
    """An MSH segment (no terminator) with the usual delimiters."""
    fields = ["MSH", ENC, sender[0], sender[1], receiver[0], receiver[1], "20261123093000+0800", "",
              msg_type, control_id, "P", version, "", "", accept, application, "", charset]
    while fields[-1] == "":
        fields.pop()
    return "|".join(fields)


# An admission with two identifiers, a Chinese name, every escape a value needs, an explicit null
# (PID-13), a line break in a note and sub-components (PID-3[2].4, an HD).
ADT_A01 = "\r".join([
    msh("CTRL001"),
    "EVN|A01|20261123093000+0800",
    "PID|1||P100^^^BLH^MR~ID200^^^SFZH&1.2.156&ISO^NI||王^小明||19900307|F|||"
    "a\\F\\b\\S\\c\\T\\d\\E\\e\\X41\\||\"\"",
    "NTE|1||line1\\.br\\line2",
]) + "\r"


def adt(control_id, pid3="P100", name="Li^Lei", terminator="\r", **kw):
    return terminator.join([msh(control_id, **kw), "PID|1||%s^^^BLH^MR||%s||19900307|M" % (pid3, name)]) + terminator


# Header line of a message in `medgw parse` output.
HEADER_RE = re.compile(r"^(?P<file>.*): message (?P<index>\d+) of (?P<count>\d+) \(byte (?P<offset>\d+)\): (?P<rest>.*)$")
FIELD_RE = re.compile(r"^    (?P<label>\S+) +(?P<value>.*)$")


def parse_tree(stdout):
    """`medgw parse` text output -> list of messages: dict(index, count, offset, summary|error, values)."""
    messages = []
    for line in stdout.split("\n"):
        h = HEADER_RE.match(line)
        if h:
            m = {"file": h["file"], "index": int(h["index"]), "count": int(h["count"]),
                 "offset": int(h["offset"]), "values": {}}
            rest = h["rest"]
            if rest.startswith("error: "):
                m["error"] = rest[len("error: "):]
            else:
                m["summary"] = rest
            messages.append(m)
            continue
        f = FIELD_RE.match(line)
        if f and messages:
            messages[-1]["values"].setdefault(f["label"], []).append(f["value"])
    return messages


def er7_segments(text):
    """Split ER7 on any of CR, LF, CRLF into a list of (segment id, fields, delimiters)."""
    lines = [l for l in re.split(r"\r\n|\r|\n", text) if l]
    fs = lines[0][3]
    return [l.split(fs) for l in lines], fs, lines[0][4:8]


class CliTestCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not (os.path.isfile(MEDGW) and os.access(MEDGW, os.X_OK)):
            raise AssertionError("medgw binary not found at %s: build it (cmake --preset dev && cmake --build "
                                 "--preset dev) or set MEDGW_BIN" % MEDGW)
        cls.tmp = tempfile.mkdtemp(prefix="medgw-e2e-")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def write(self, name, content):
        path = os.path.join(self.tmp, name)
        with open(path, "wb") as f:
            f.write(content.encode("utf-8") if isinstance(content, str) else content)
        return path

    def medgw(self, *args, timeout=120):
        p = subprocess.run([MEDGW, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
        # Whatever the input, medgw prints UTF-8: a strict decode is part of every test.
        return p.returncode, p.stdout.decode("utf-8"), p.stderr.decode("utf-8")

    def independent_parse(self, ack_stdout):
        """The ACK as python-hl7 reads it (the CLI prints one segment per line; the wire uses CR)."""
        if python_hl7 is None:
            self.fail("python3-hl7 is not installed for /usr/bin/python3 (import hl7 failed): "
                      "run deploy/install-deps.sh")
        return python_hl7.parse(ack_stdout.strip("\n").replace("\n", "\r"))


class ParseTextTest(CliTestCase):
    def test_valid_message_prints_type_control_id_and_decoded_paths(self):
        path = self.write("adt_a01.hl7", ADT_A01)
        code, out, err = self.medgw("parse", path)
        self.assertEqual(code, 0, out + err)
        self.assertEqual(err, "")
        [m] = parse_tree(out)
        self.assertEqual((m["index"], m["count"], m["offset"]), (1, 1, 0))
        self.assertIn("ADT^A01^ADT_A01", m["summary"])
        self.assertIn("control id CTRL001", m["summary"])
        self.assertIn("version 2.5.1", m["summary"])
        self.assertIn("4 segments", m["summary"])
        v = {k: vs[0] for k, vs in m["values"].items()}
        self.assertEqual(v["MSH-1"], "|")
        self.assertEqual(v["MSH-2"], ENC)
        self.assertEqual(v["MSH-9.2"], "A01")
        self.assertEqual(v["MSH-10"], "CTRL001")
        self.assertEqual(v["PID-3[1].1"], "P100")
        self.assertEqual(v["PID-3[1].5"], "MR")
        self.assertEqual(v["PID-3[2].1"], "ID200")
        self.assertEqual(v["PID-3[2].4.1"], "SFZH")
        self.assertEqual(v["PID-3[2].4.2"], "1.2.156")
        self.assertEqual(v["PID-3[2].4.3"], "ISO")
        self.assertEqual(v["PID-5.1"], "王")
        self.assertEqual(v["PID-5.2"], "小明")
        # \F\ \S\ \T\ \E\ \X41\ decoded to | ^ & \ A.
        self.assertEqual(v["PID-11"], "a|b^c&d\\eA")
        self.assertEqual(v["PID-13"], '"" (explicit null)')
        # \.br\ is a line break, shown as \n so that a value stays on one line.
        self.assertEqual(v["NTE-3"], "line1\\nline2")
        self.assertNotIn("PID-2", v, "empty fields are not printed")

    def test_several_messages_in_one_file_with_any_terminators(self):
        msgs = [adt("M-1", terminator="\r"), adt("M-22", terminator="\n"), adt("M-333", terminator="\r\n")]
        data = "".join(msgs).encode()
        path = self.write("three.hl7", data)
        code, out, err = self.medgw("parse", path)
        self.assertEqual(code, 0, out + err)
        tree = parse_tree(out)
        self.assertEqual([m["count"] for m in tree], [3, 3, 3])
        self.assertEqual([m["values"]["MSH-10"] for m in tree], [["M-1"], ["M-22"], ["M-333"]])
        starts = [i for i in range(len(data)) if data.startswith(b"MSH|", i)]
        self.assertEqual([m["offset"] for m in tree], starts)

    def test_batch_reports_message_count(self):
        body = adt("B-1") + adt("B-2") + adt("B-3")
        data = ("FHS|^~\\&|HIS|SZ-HOSP|MEDGW|CRM|20261123\rBHS|^~\\&|HIS|SZ-HOSP|MEDGW|CRM|20261123\r" + body +
                "BTS|3\rFTS|1\r").encode()
        path = self.write("batch.hl7", data)
        code, out, err = self.medgw("parse", path)
        self.assertEqual(code, 0, out + err)
        tree = parse_tree(out)
        self.assertEqual(len(tree), 3)
        self.assertEqual({m["count"] for m in tree}, {3})
        self.assertEqual([m["values"]["MSH-10"][0] for m in tree], ["B-1", "B-2", "B-3"])
        self.assertEqual([m["offset"] for m in tree], [i for i in range(len(data)) if data.startswith(b"MSH|", i)])

    def test_batch_with_wrong_count_is_rejected(self):
        data = "BHS|^~\\&|HIS|SZ-HOSP\r" + adt("B-1") + adt("B-2") + "BTS|5\r"
        path = self.write("bad_batch.hl7", data)
        code, out, err = self.medgw("parse", path)
        self.assertEqual(code, 1, out + err)
        self.assertIn("bad-batch at byte %d (BTS)" % data.index("BTS|"), out)

    def test_malformed_message_error_names_code_offset_segment_field(self):
        data = adt("BAD1", name="Wang^Xiao").encode().replace(b"Xiao", b"\xff\xfeXiao")
        path = self.write("malformed.hl7", data)
        code, out, err = self.medgw("parse", path)
        self.assertEqual(code, 1, out + err)
        [m] = parse_tree(out)
        self.assertIn("error", m, out)
        self.assertTrue(m["error"].startswith(
            "invalid-encoding at byte %d (PID segment 2, field 5): " % data.index(b"\xff")), m["error"])
        self.assertEqual(m["values"], {}, "no tree for a message that does not parse")

    def test_good_then_bad_message_prints_good_one_and_exits_1(self):
        good = ADT_A01.encode()
        bad = ("\r".join([msh("BAD2", msg_type="ORU^R01"), "PID|1||X1", "OBR|1", "OBX|1|ST|A||ok"]) + "\r").encode()
        bad += b"OBX|2|ST|B||\xe4\xb8\r"  # a truncated UTF-8 sequence, in OBX-5
        data = good + bad
        path = self.write("good_bad.hl7", data)
        code, out, err = self.medgw("parse", path)
        self.assertEqual(code, 1, out + err)
        tree = parse_tree(out)
        self.assertEqual(len(tree), 2, out)
        self.assertEqual(tree[0]["values"]["PID-5.1"], ["王"])
        self.assertNotIn("error", tree[0])
        self.assertEqual((tree[1]["index"], tree[1]["count"], tree[1]["offset"]), (2, 2, len(good)))
        # The offset is in the file, not in the message.
        self.assertTrue(tree[1]["error"].startswith(
            "invalid-encoding at byte %d (OBX segment 5, field 5): " % data.index(b"\xe4\xb8\r")), tree[1]["error"])

    def test_bad_segment_id_offset_in_file(self):
        good = adt("G-1").encode()
        bad = adt("BAD3").encode() + b"p1d|lower case id\r"
        data = good + bad
        path = self.write("bad_segment_id.hl7", data)
        code, out, err = self.medgw("parse", path)
        self.assertEqual(code, 1, out + err)
        tree = parse_tree(out)
        self.assertTrue(tree[1]["error"].startswith("bad-segment-id at byte %d" % data.index(b"p1d|")), tree[1]["error"])

    def test_missing_file(self):
        missing = os.path.join(self.tmp, "no-such-file.hl7")
        code, out, err = self.medgw("parse", missing)
        self.assertEqual(code, 2, "README: exit status 2 if a file could not be read; " + out + err)
        self.assertEqual(out, "")
        self.assertIn(missing, err)
        self.assertIn("No such file", err)

    def test_missing_file_does_not_stop_the_others(self):
        good = self.write("good_after_missing.hl7", adt("AFTER-1"))
        code, out, err = self.medgw("parse", os.path.join(self.tmp, "missing.hl7"), good)
        self.assertEqual(code, 2, out + err)
        self.assertIn("missing.hl7", err)
        self.assertEqual(parse_tree(out)[0]["values"]["MSH-10"], ["AFTER-1"])

    def test_empty_file_is_an_error(self):
        path = self.write("empty.hl7", b"")
        code, out, err = self.medgw("parse", path)
        self.assertEqual(code, 1, out + err)
        self.assertIn("empty-input", out)


class ParseJsonTest(CliTestCase):
    def test_json_tree(self):
        path = self.write("adt_json.hl7", ADT_A01)
        code, out, err = self.medgw("parse", "--json", path)
        self.assertEqual(code, 0, out + err)
        doc = json.loads(out)
        self.assertIsInstance(doc, list)
        [item] = doc
        self.assertEqual((item["file"], item["index"], item["offset"]), (path, 1, 0))
        m = item["message"]
        self.assertEqual(m["charset"], "UTF-8")
        self.assertEqual(m["delimiters"], "|" + ENC)
        self.assertEqual([s["id"] for s in m["segments"]], ["MSH", "EVN", "PID", "NTE"])
        msh_f = m["segments"][0]["fields"]
        self.assertEqual(msh_f[0], "|")            # MSH-1
        self.assertEqual(msh_f[1], ENC)            # MSH-2
        self.assertEqual(msh_f[2], ["HIS"])        # MSH-3: one repetition, one component
        self.assertIsNone(msh_f[7])                # MSH-8: empty
        self.assertEqual(msh_f[8], [["ADT", "A01", "ADT_A01"]])
        self.assertEqual(msh_f[9], ["CTRL001"])
        pid = m["segments"][2]["fields"]
        self.assertIsNone(pid[1])                  # PID-2: empty
        self.assertEqual(pid[2], [["P100", "", "", "BLH", "MR"],
                                  ["ID200", "", "", ["SFZH", "1.2.156", "ISO"], "NI"]])
        self.assertEqual(pid[4], [["王", "小明"]])
        self.assertEqual(pid[10], ["a|b^c&d\\eA"])  # escapes decoded
        self.assertEqual(pid[12], {"null": True})  # "" is the explicit null
        self.assertEqual(len(pid), 13)
        self.assertEqual(m["segments"][3]["fields"][2], ["line1\nline2"])

    def test_json_several_messages_with_an_error(self):
        good = adt("J-1").encode()
        bad = adt("J-2", name="Wang^Xiao").encode().replace(b"Xiao", b"X\xc0iao")
        path = self.write("json_good_bad.hl7", good + bad)
        code, out, err = self.medgw("parse", "--json", path)
        self.assertEqual(code, 1, out + err)
        doc = json.loads(out)
        self.assertEqual([d["index"] for d in doc], [1, 2])
        self.assertEqual(doc[0]["message"]["segments"][0]["fields"][9], ["J-1"])
        self.assertNotIn("message", doc[1])
        self.assertEqual(doc[1]["offset"], len(good))
        e = doc[1]["error"]
        self.assertEqual(e["code"], "invalid-encoding")
        self.assertEqual(e["offset"], (good + bad).index(b"\xc0"))
        self.assertEqual((e["segment"], e["segment_index"], e["field"]), ("PID", 2, 5))
        self.assertTrue(e["message"])

    def test_json_empty_array_when_nothing_printed(self):
        path = self.write("json_empty_batch.hl7", "BHS|^~\\&|HIS\rBTS|0\r")
        code, out, err = self.medgw("parse", "--json", path)
        self.assertEqual(code, 0, out + err)
        self.assertEqual(json.loads(out), [])


# Characters whose GBK trail byte is a delimiter: '|' (億), '^' (奮), '\' (塡), '~' (媬).
GBK_NAME = ("億奮", "塡媬")


class CharsetTest(CliTestCase):
    def gbk_message(self):
        text = "\r".join([msh("GBK001"), "PID|1||P100^^^BLH^MR||%s^%s||19900307|F|||人民路1号^^深圳" % GBK_NAME]) + "\r"
        data = text.encode("gbk")
        # The test is only meaningful if these bytes are really in the file.
        for trail in (b"|", b"^", b"\\", b"~"):
            self.assertTrue(re.search(rb"[\x81-\xfe]" + re.escape(trail), data), trail)
        return data

    def test_gbk_with_charset(self):
        path = self.write("gbk.hl7", self.gbk_message())
        code, out, err = self.medgw("parse", "--charset", "GBK", path)
        self.assertEqual(code, 0, out + err)
        [m] = parse_tree(out)
        self.assertIn("charset GBK", m["summary"])
        self.assertEqual(m["values"]["PID-5.1"], [GBK_NAME[0]])
        self.assertEqual(m["values"]["PID-5.2"], [GBK_NAME[1]])
        self.assertEqual(m["values"]["PID-7"], ["19900307"], "a trail byte must not shift the fields")
        self.assertEqual(m["values"]["PID-11.1"], ["人民路1号"])
        code, out, err = self.medgw("parse", "--json", "--charset", "GBK", path)
        self.assertEqual(code, 0, out + err)
        pid = json.loads(out)[0]["message"]["segments"][1]["fields"]
        self.assertEqual(pid[4], [list(GBK_NAME)])
        self.assertEqual(pid[7], ["F"])

    def test_gbk_without_charset_is_invalid_encoding(self):
        data = self.gbk_message()
        path = self.write("gbk_no_charset.hl7", data)
        code, out, err = self.medgw("parse", path)
        self.assertEqual(code, 1, out + err)
        [m] = parse_tree(out)
        first_non_ascii = next(i for i, b in enumerate(data) if b >= 0x80)
        self.assertTrue(m["error"].startswith(
            "invalid-encoding at byte %d (PID segment 2, field 5)" % first_non_ascii), m["error"])

    def test_msh18_wins_over_charset_option(self):
        gb = ("\r".join([msh("GB18030", charset="GB 18030-2000"), "PID|1||P1||%s^%s" % GBK_NAME]) + "\r").encode("gb18030")
        utf8 = "\r".join([msh("UTF8", charset="UNICODE UTF-8"), "PID|1||P1||张^三"]) + "\r"
        for name, data, family in [("gb18030.hl7", gb, GBK_NAME[0]), ("utf8_msh18.hl7", utf8, "张")]:
            with self.subTest(name):
                path = self.write(name, data)
                for extra in ([], ["--charset", "GBK"], ["--charset", "UTF-8"]):
                    code, out, err = self.medgw("parse", *extra, path)
                    self.assertEqual(code, 0, out + err)
                    self.assertEqual(parse_tree(out)[0]["values"]["PID-5.1"], [family], extra)

    def test_replace_invalid(self):
        data = adt("REPL1", name="Wang^Xiao").encode().replace(b"Xiao", b"\xffXiao")
        path = self.write("replace.hl7", data)
        code, out, err = self.medgw("parse", "--replace-invalid", path)
        self.assertEqual(code, 0, out + err)
        [m] = parse_tree(out)
        self.assertEqual(m["values"]["PID-5.2"], ["\ufffdXiao"])
        self.assertEqual(m["values"]["PID-7"], ["19900307"])
        code, out, err = self.medgw("parse", "--json", "--replace-invalid", path)
        self.assertEqual(code, 0, out + err)
        self.assertEqual(json.loads(out)[0]["message"]["segments"][1]["fields"][4], [["Wang", "\ufffdXiao"]])

    def test_unknown_charset_option(self):
        path = self.write("unknown_charset.hl7", adt("U1"))
        code, out, err = self.medgw("parse", "--charset", "NO-SUCH-CHARSET", path)
        self.assertEqual(code, 2, out + err)
        self.assertIn("unknown charset", err)


class AckTest(CliTestCase):
    TS_RE = re.compile(r"^\d{14}[+-]\d{4}$")

    def ack(self, name, data, *opts, expect_code=0):
        path = self.write(name, data)
        code, out, err = self.medgw("ack", *opts, path)
        self.assertEqual(code, expect_code, out + err)
        return out

    def segments(self, out):
        segs, _, _ = er7_segments("\r".join(l for l in out.split("\n") if l and not l.startswith("#")))
        return segs

    def check_header(self, out, original_control_id, version="2.5.1"):
        """What every ACK must say, checked by medgw's output and by python-hl7."""
        segs = self.segments(out)
        self.assertEqual([s[0] for s in segs[:2]], ["MSH", "MSA"], out)
        h = segs[0]
        # The ACK's MSH swaps sender and receiver: MSH-3/4 <- MSH-5/6, MSH-5/6 <- MSH-3/4.
        self.assertEqual(h[2:6], ["MEDGW", "CRM", "HIS", "SZ-HOSP"])
        self.assertRegex(h[6], self.TS_RE)
        self.assertEqual(h[8].split("^")[0], "ACK")
        self.assertTrue(h[9] and h[9] != original_control_id and len(h[9]) <= 20, h[9])
        self.assertEqual(h[11], version)
        self.assertEqual(segs[1][2], original_control_id)
        independent = self.independent_parse(out)
        self.assertEqual(str(independent["MSA.2"]), original_control_id)
        self.assertEqual(str(independent["MSH.3"]), "MEDGW")
        self.assertEqual(str(independent["MSH.5"]), "HIS")
        return segs

    def test_original_mode(self):
        out = self.ack("ack_original.hl7", ADT_A01)
        segs = self.check_header(out, "CTRL001")
        self.assertEqual(segs[1], ["MSA", "AA", "CTRL001"])
        self.assertEqual(segs[0][8], "ACK^A01^ACK")
        self.assertEqual(len(segs), 2)

    def test_new_control_id_each_time(self):
        a = self.segments(self.ack("ack_id.hl7", ADT_A01))[0][9]
        b = self.segments(self.ack("ack_id.hl7", ADT_A01))[0][9]
        self.assertNotEqual(a, b)

    def test_enhanced_mode_al(self):
        out = self.ack("ack_al.hl7", adt("ENH-AL", accept="AL"))
        segs = self.check_header(out, "ENH-AL")
        self.assertEqual(segs[1][:2], ["MSA", "CA"])

    def test_enhanced_mode_ne_and_er_send_nothing_on_success(self):
        for accept in ("NE", "ER"):
            with self.subTest(accept):
                out = self.ack("ack_%s.hl7" % accept, adt("ENH-" + accept, accept=accept, application="NE"))
                self.assertFalse([l for l in out.split("\n") if l.startswith(("MSH", "MSA"))], out)
                self.assertIn("no acknowledgement", out)

    def test_no_accept_ack_but_application_ack_wanted_answers_aa(self):
        # medgw sends no deferred application ACKs: its commit is the end of processing as the
        # sender sees it, so MSH-16=AL is answered right away at the application level.
        for accept in ("NE", "ER"):
            with self.subTest(accept):
                out = self.ack("ack_app_%s.hl7" % accept, adt("APP-" + accept, accept=accept, application="AL"))
                self.assertEqual(self.check_header(out, "APP-" + accept)[1][:2], ["MSA", "AA"])

    def test_application_ack_only_answers_at_application_level(self):
        out = self.ack("ack_msh16.hl7", adt("APP-ONLY", application="AL"))
        self.assertEqual(self.check_header(out, "APP-ONLY")[1][:2], ["MSA", "AA"])

    def test_mode_option_forces_the_mode(self):
        out = self.ack("ack_force_original.hl7", adt("FORCE-O", accept="AL"), "--mode", "original")
        self.assertEqual(self.check_header(out, "FORCE-O")[1][:2], ["MSA", "AA"])
        out = self.ack("ack_force_original_ne.hl7", adt("FORCE-NE", accept="NE"), "--mode", "original")
        self.assertEqual(self.check_header(out, "FORCE-NE")[1][:2], ["MSA", "AA"])
        out = self.ack("ack_force_enhanced.hl7", adt("FORCE-E"), "--mode", "enhanced")
        self.assertEqual(self.check_header(out, "FORCE-E")[1][:2], ["MSA", "CA"])

    def test_malformed_message_is_rejected_with_err(self):
        data = adt("REJ-1", name="Wang^Xiao").encode().replace(b"Xiao", b"\xffXiao")
        out = self.ack("ack_reject.hl7", data, expect_code=1)
        segs = self.check_header(out, "REJ-1")
        self.assertEqual(segs[1], ["MSA", "AR", "REJ-1"])
        err = segs[2]
        self.assertEqual(err[0], "ERR")
        self.assertEqual(err[2], "PID^1^5")                        # ERR-2: segment^occurrence^field
        self.assertEqual(err[3], "102^Data type error^HL70357")    # ERR-3: table 0357
        self.assertEqual(err[4], "E")                              # ERR-4: severity
        self.assertIn("invalid-encoding", err[7])                   # ERR-7: diagnostic
        independent = self.independent_parse(out)
        self.assertEqual(str(independent["ERR.3"]).split("^")[0], "102")

    def test_malformed_message_enhanced_mode_is_cr(self):
        data = adt("REJ-2", accept="AL", name="Wang^Xiao").encode().replace(b"Xiao", b"\xffXiao")
        out = self.ack("ack_reject_enhanced.hl7", data, expect_code=1)
        segs = self.check_header(out, "REJ-2")
        self.assertEqual(segs[1], ["MSA", "CR", "REJ-2"])
        self.assertEqual(segs[2][0], "ERR")

    def test_err_location_counts_the_segment_occurrence(self):
        # The error is in the third OBX: ERR-2.2 (segment sequence) is the occurrence of that segment.
        data = ("\r".join([msh("REJ-OBX", msg_type="ORU^R01^ORU_R01"), "PID|1||X1", "OBR|1",
                           "OBX|1|ST|A||ok", "OBX|2|ST|B||ok"]) + "\r").encode() + b"OBX|3|ST|C||bad\xc3(\r"
        out = self.ack("ack_obx3.hl7", data, expect_code=1)
        segs = self.check_header(out, "REJ-OBX")
        self.assertEqual(segs[2][2], "OBX^3^5", "ERR-2 must point at the third OBX, field 5")

    def test_v23_sender_gets_err1_and_msa3(self):
        data = adt("OLD-1", version="2.3", msg_type="ADT^A01", name="Wang^Xiao").encode().replace(b"Xiao", b"\xffXiao")
        out = self.ack("ack_v23.hl7", data, expect_code=1)
        segs = self.check_header(out, "OLD-1", version="2.3")
        self.assertEqual(segs[0][8], "ACK^A01", "no message structure before v2.4")
        msa = segs[1]
        self.assertEqual(msa[:3], ["MSA", "AR", "OLD-1"])
        self.assertEqual(len(msa), 4, "MSA-3 carries the text for senders older than v2.5")
        self.assertIn("UTF-8", msa[3])
        err = segs[2]
        self.assertEqual(len(err), 2, "only ERR-1 before v2.5: %r" % err)
        eld = err[1].split("^")
        self.assertEqual(eld[:3], ["PID", "1", "5"])
        self.assertEqual(eld[3].split("&"), ["102", "Data type error", "HL70357"])
        independent = self.independent_parse(out)
        self.assertTrue(str(independent["MSA.3"]))

    def test_several_messages_one_ack_each(self):
        good = adt("MULTI-1")
        bad = adt("MULTI-2", name="Wang^Xiao").encode().replace(b"Xiao", b"\xffXiao")
        out = self.ack("ack_multi.hl7", good.encode() + bad, expect_code=1)
        self.assertIn("# message 1 of 2", out)
        self.assertIn("# message 2 of 2", out)
        msas = [s for s in self.segments(out) if s[0] == "MSA"]
        self.assertEqual([m[:3] for m in msas], [["MSA", "AA", "MULTI-1"], ["MSA", "AR", "MULTI-2"]])

    def test_ack_uses_the_original_delimiters(self):
        data = ("MSH#$%@!#HIS#SZ-HOSP#MEDGW#CRM#20261123##ADT$A08#DELIM01#P#2.5.1\r"
                "PID#1##A1$$$BLH$MR##Li$Lei\r")
        out = self.ack("ack_delims.hl7", data)
        self.assertTrue(out.startswith("MSH#$%@!#MEDGW#CRM#HIS#SZ-HOSP#"), out)
        self.assertIn("\nMSA#AA#DELIM01\n", out)
        self.assertEqual(str(self.independent_parse(out)["MSA.2"]), "DELIM01")

    def test_unreadable_input_still_gets_a_rejection(self):
        out = self.ack("ack_garbage.hl7", "this is not HL7\r", expect_code=1)
        segs = self.segments(out)
        self.assertEqual([s[0] for s in segs], ["MSH", "MSA", "ERR"])
        self.assertEqual(segs[1][1], "AR")
        self.assertEqual(segs[2][3].split("^")[2], "HL70357")

    def test_missing_file(self):
        code, out, err = self.medgw("ack", os.path.join(self.tmp, "nope.hl7"))
        self.assertEqual(code, 2, out + err)
        self.assertIn("nope.hl7", err)
        self.assertEqual(out, "")


class BenchTest(CliTestCase):
    RESULT_RE = re.compile(r"^RESULT name=medgw msgs_per_s=(?P<rate>[\d.]+) mb_per_s=(?P<mb>[\d.]+) "
                           r"messages=(?P<messages>\d+) checksum=(?P<checksum>-?\d+)$", re.M)

    def test_bench_parse(self):
        msgs = [adt("BENCH-1", pid3="PAT12345"), adt("B2", pid3="X"),
                "\r".join([msh("NO-PID-HERE", msg_type="ADT^A08"), "EVN|A08"]) + "\r"]
        # The checksum medgw documents: per pass, len(MSH-10) + len(PID-3 first rep, first component).
        per_pass = len("BENCH-1") + len("PAT12345") + len("B2") + len("X") + len("NO-PID-HERE")
        path = self.write("bench.hl7", "".join(msgs))
        seconds = 0.2
        code, out, err = self.medgw("bench", "parse", "--seconds", str(seconds), path)
        self.assertEqual(code, 0, out + err)
        r = self.RESULT_RE.search(out)
        self.assertIsNotNone(r, out)
        rate, messages, checksum = float(r["rate"]), int(r["messages"]), int(r["checksum"])
        self.assertGreater(messages, 0)
        self.assertGreater(rate, 0)
        self.assertGreater(float(r["mb"]), 0)
        self.assertEqual(messages % len(msgs), 0, "whole passes over the file")
        self.assertEqual(checksum, messages // len(msgs) * per_pass)
        # It measured at least the time asked for, so the rate cannot exceed messages / seconds.
        self.assertLessEqual(rate, messages / seconds * 1.001)

    def test_bench_refuses_a_corpus_that_does_not_parse(self):
        path = self.write("bench_bad.hl7", adt("OK-1").encode() + adt("BAD").encode().replace(b"Li", b"\xffLi"))
        code, out, err = self.medgw("bench", "parse", "--seconds", "0.2", path)
        self.assertEqual(code, 1, out + err)
        self.assertNotIn("RESULT", out)
        self.assertIn("does not parse", err)


if __name__ == "__main__":
    unittest.main(verbosity=2)
