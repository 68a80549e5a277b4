#!/usr/bin/python3
"""Build the HL7 v2 parse-benchmark corpus (one file, messages concatenated).

Output format: every segment ends with "\\r"; messages are simply concatenated
(each starts with "MSH"), no "\\n" anywhere between them, no BOM.

Source: the shared corpus (default: <repo>/../shared/corpus/hl7v2, override
with --corpus DIR).  From every folder/file whose name does not start with "_"
it selects well-formed ADT, ORU, ORM, MDM and SIU messages that contain a PID
segment.  If the shared corpus is absent, a deterministic synthetic corpus of
~276 realistic messages is generated instead (--synthetic forces that).

Stdlib only; run with /usr/bin/python3.
"""

import argparse
import os
import random
import re
import sys
from collections import Counter

WANTED_TYPES = ("ADT", "ORU", "ORM", "MDM", "SIU")
BATCH_SEGMENTS = {"FHS", "BHS", "BTS", "FTS"}
SEGMENT_ID = re.compile(r"[A-Z][A-Z0-9]{2}\Z")
LINE_SPLIT = re.compile(r"\r\n|\r|\n")

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(HERE))
DEFAULT_CORPUS = os.path.join(REPO_ROOT, "..", "shared", "corpus", "hl7v2")


# --------------------------------------------------------------------------
# Selection from the shared corpus
# --------------------------------------------------------------------------

def iter_candidate_files(root):
    """All files under root, skipping `_*` files/folders and *.template.hl7."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("_"))
        for name in sorted(filenames):
            if name.startswith("_") or name.endswith(".template.hl7"):
                continue
            yield os.path.join(dirpath, name)


def split_messages(text):
    """Split text into messages (lists of segment strings) at MSH lines."""
    messages = []
    current = None
    for line in LINE_SPLIT.split(text):
        if not line.strip():
            continue                      # blank lines (incl. trailing ones)
        if line.startswith("MSH"):
            current = [line]
            messages.append(current)
        elif current is not None:
            current.append(line)
    return messages


def message_type(segments):
    """Return (MSH-9.1, reason) if the message is well-formed, else (None, reason)."""
    msh = segments[0]
    if len(msh) < 8:
        return None, "short MSH"
    fs = msh[3]
    if fs.isalnum() or fs.isspace():
        return None, "bad field separator"
    fields = msh.split(fs)
    # fields[0]="MSH", fields[1]=MSH-2 (encoding characters), fields[n]=MSH-(n+1)
    enc = fields[1]
    if not (4 <= len(enc) <= 5) or not enc.isascii() or any(c.isalnum() or c.isspace() or c == fs for c in enc) \
            or len(set(enc)) != len(enc):
        return None, "bad encoding characters"
    if len(fields) < 12:
        return None, "MSH too short (no MSH-12)"
    comp = enc[0]
    msg_type = fields[8].split(comp)[0].split("_")[0].strip()
    if not fields[9].strip():
        return None, "empty MSH-10"
    for seg in segments[1:]:
        if not SEGMENT_ID.match(seg[:3]) or (len(seg) > 3 and seg[3] != fs):
            return None, "malformed segment"
    if not any(seg[:3] == "PID" for seg in segments):
        return None, "no PID"
    return msg_type, "ok"


def select_from_corpus(root, verbose=False):
    selected = []          # (type, bytes)
    skipped = Counter()
    for path in iter_candidate_files(root):
        with open(path, "rb") as f:
            raw = f.read()
        if raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        if not raw.startswith(b"MSH"):
            skipped["file not starting with MSH"] += 1
            continue
        # Split on bytes first so that one bad message does not drop the file.
        chunks = re.split(rb"(?:\r\n|\r|\n)(?=MSH)", raw)
        for chunk in chunks:
            try:
                text = chunk.decode("utf-8")
            except UnicodeDecodeError:
                skipped["invalid UTF-8"] += 1
                continue
            for segs in split_messages(text):
                segs = [s for s in segs if s[:3] not in BATCH_SEGMENTS]
                mtype, reason = message_type(segs)
                if mtype is None:
                    skipped[reason] += 1
                    continue
                if mtype not in WANTED_TYPES:
                    skipped["type not wanted"] += 1
                    continue
                selected.append((mtype, ("\r".join(segs) + "\r").encode("utf-8")))
    if verbose:
        for reason, n in sorted(skipped.items()):
            print("  skipped %-32s %d" % (reason + ":", n), file=sys.stderr)
    return selected


# --------------------------------------------------------------------------
# Synthetic corpus
# --------------------------------------------------------------------------

LAST = ["SMITH", "JOHNSON", "WILLIAMS", "BROWN", "JONES", "GARCIA", "MILLER", "DAVIS",
        "RODRIGUEZ", "MARTINEZ", "HERNANDEZ", "LOPEZ", "GONZALEZ", "WILSON", "ANDERSON",
        "THOMAS", "TAYLOR", "MOORE", "JACKSON", "MARTIN", "LEE", "PEREZ", "THOMPSON",
        "WHITE", "HARRIS", "SANCHEZ", "CLARK", "RAMIREZ", "LEWIS", "ROBINSON", "O'BRIEN",
        "NGUYEN", "MUELLER", "KOWALSKI", "DUBOIS", "ROSSI"]
FIRST_F = ["MARY", "PATRICIA", "JENNIFER", "LINDA", "ELIZABETH", "BARBARA", "SUSAN",
           "JESSICA", "SARAH", "KAREN", "NANCY", "LISA", "MARGARET", "SANDRA", "ASHLEY"]
FIRST_M = ["JAMES", "ROBERT", "JOHN", "MICHAEL", "DAVID", "WILLIAM", "RICHARD", "JOSEPH",
           "THOMAS", "CHARLES", "CHRISTOPHER", "DANIEL", "MATTHEW", "ANTHONY", "MARK"]
STREETS = ["MAIN ST", "OAK AVE", "PINE RD", "MAPLE DR", "CEDAR LN", "ELM ST", "WASHINGTON BLVD",
           "LAKE VIEW TER", "HILLCREST RD", "RIVER RD"]
CITIES = [("SPRINGFIELD", "IL", "627"), ("MADISON", "WI", "537"), ("COLUMBUS", "OH", "432"),
          ("AUSTIN", "TX", "787"), ("SALEM", "OR", "973"), ("DOVER", "DE", "199"),
          ("RALEIGH", "NC", "276"), ("DENVER", "CO", "802")]
DOCTORS = [("1234567890", "HOUSE", "GREGORY", "M"), ("2345678901", "GREY", "MEREDITH", "E"),
           ("3456789012", "WELBY", "MARCUS", ""), ("4567890123", "QUINN", "MICHAELA", "A"),
           ("5678901234", "KILDARE", "JAMES", "R"), ("6789012345", "ROSS", "DOUGLAS", "")]
FACILITIES = [("GOODHEALTH", "GH"), ("STMARYS", "SM"), ("MERCYGEN", "MG"), ("VALLEYMED", "VM")]
LAB_PANELS = [
    ("24323-8", "Comprehensive metabolic panel", [
        ("2345-7", "Glucose", "mg/dL", "70-99", 60, 180),
        ("3094-0", "Urea nitrogen", "mg/dL", "7-20", 4, 40),
        ("2160-0", "Creatinine", "mg/dL", "0.6-1.3", 0.4, 2.5),
        ("2951-2", "Sodium", "mmol/L", "136-145", 128, 150),
        ("2823-3", "Potassium", "mmol/L", "3.5-5.1", 3.0, 6.0),
        ("2075-0", "Chloride", "mmol/L", "98-107", 92, 112),
        ("17861-6", "Calcium", "mg/dL", "8.5-10.2", 7.8, 11.0)]),
    ("58410-2", "CBC panel", [
        ("6690-2", "Leukocytes", "10*3/uL", "4.5-11.0", 2.0, 18.0),
        ("789-8", "Erythrocytes", "10*6/uL", "4.2-5.9", 3.5, 6.5),
        ("718-7", "Hemoglobin", "g/dL", "12.0-17.5", 9.0, 18.5),
        ("4544-3", "Hematocrit", "%", "36-52", 28, 56),
        ("777-3", "Platelets", "10*3/uL", "150-400", 90, 500)]),
    ("57698-3", "Lipid panel", [
        ("2093-3", "Cholesterol", "mg/dL", "<200", 140, 290),
        ("2571-8", "Triglyceride", "mg/dL", "<150", 60, 400),
        ("2085-9", "HDL Cholesterol", "mg/dL", ">40", 25, 90),
        ("13457-7", "LDL Cholesterol calc", "mg/dL", "<100", 60, 200)]),
]
ORDERS = [("71046", "XR CHEST 2 VIEWS", "RAD"), ("70450", "CT HEAD W/O CONTRAST", "RAD"),
          ("80053", "COMPREHENSIVE METABOLIC PANEL", "LAB"), ("85025", "CBC WITH DIFF", "LAB"),
          ("93000", "ECG 12 LEAD", "CARD"), ("76700", "US ABDOMEN COMPLETE", "RAD")]
NOTE_LINES = [
    "Patient seen for follow-up of chronic conditions.",
    "Blood pressure well controlled on current regimen.",
    "No chest pain, dyspnea or palpitations reported.",
    "Continue current medications; recheck labs in 3 months.",
    "Counselled on diet and exercise.",
    "Physical exam unremarkable apart from mild edema.",
    "Return to clinic if symptoms worsen.",
]
APPT_REASONS = [("FU", "FOLLOW UP"), ("NP", "NEW PATIENT"), ("PE", "PHYSICAL EXAM"),
                ("PROC", "PROCEDURE"), ("CONS", "CONSULT")]


class Synth:
    def __init__(self, seed):
        self.r = random.Random(seed)
        self.ctl = 100000

    def ts(self, y0=2023, y1=2024):
        r = self.r
        return "%04d%02d%02d%02d%02d%02d" % (r.randint(y0, y1), r.randint(1, 12), r.randint(1, 28),
                                             r.randint(0, 23), r.randint(0, 59), r.randint(0, 59))

    def msh(self, mtype, fac, version="2.5.1"):
        self.ctl += self.r.randint(1, 97)
        app = self.r.choice(["EPIC", "CERNER", "MEDITECH", "LABSYS", "RIS"])
        return "MSH|^~\\&|%s|%s|MEDGW|%s_HUB|%s||%s|%s%d|P|%s|||AL|NE|USA" % (
            app, fac[0], fac[1], self.ts(), mtype, fac[1], self.ctl, version)

    def patient(self, fac):
        r = self.r
        sex = r.choice("FM")
        first = r.choice(FIRST_F if sex == "F" else FIRST_M)
        middle = r.choice("ABCDEFGHJKLMNPRSTW")
        last = r.choice(LAST)
        mrn = "%s%07d" % (fac[1], r.randint(1, 9999999))
        city, st, zip3 = r.choice(CITIES)
        addr = "%d %s^^%s^%s^%s%02d^USA^H" % (r.randint(1, 9999), r.choice(STREETS), city, st,
                                             zip3, r.randint(0, 99))
        phone = "^PRN^PH^^1^%03d^%07d" % (r.randint(200, 989), r.randint(2000000, 9999999))
        dob = "%04d%02d%02d" % (r.randint(1930, 2020), r.randint(1, 12), r.randint(1, 28))
        ids = "%s^^^%s^MR" % (mrn, fac[0])
        if r.random() < 0.4:
            ids += "~%09d^^^SSA^SS" % r.randint(100000000, 899999999)
        pid = "PID|1||%s||%s^%s^%s^^^^L||%s|%s|||%s||%s|||%s||%s%08d|||" % (
            ids, last, first, middle, dob, sex, addr, phone, r.choice("SMDW"),
            fac[1], r.randint(1, 99999999))
        return pid

    def doctor(self):
        d = self.r.choice(DOCTORS)
        return "%s^%s^%s^%s^^^MD^^NPI" % d

    def pv1(self, fac):
        r = self.r
        cls = r.choice("IOE")
        loc = "%s^%d^%d^%s" % (r.choice(["4WEST", "ICU", "ED", "3EAST", "CLINIC"]),
                               r.randint(100, 499), r.randint(1, 2), fac[1])
        return "PV1|1|%s|%s|%s|||%s|||%s||||%s||||%s|%s%09d" % (
            cls, loc, r.choice(["E", "R", "U"]), self.doctor(),
            r.choice(["MED", "SUR", "CAR", "ORT"]), r.choice(["1", "7"]),
            r.choice(["IN", "OUT", "ER"]), fac[1], r.randint(1, 999999999))

    def adt(self):
        r, fac = self.r, self.r.choice(FACILITIES)
        ev = r.choice(["A01", "A04", "A08"])
        segs = [self.msh("ADT^%s^ADT_A01" % ev, fac), "EVN|%s|%s|||%s" % (ev, self.ts(), self.doctor()),
                self.patient(fac)]
        if r.random() < 0.5:
            segs.append("NK1|1|%s^%s|%s^%s^HL70063|||^PRN^PH^^1^%03d^%07d" % (
                r.choice(LAST), r.choice(FIRST_F + FIRST_M), *r.choice(
                    [("SPO", "SPOUSE"), ("PAR", "PARENT"), ("CHD", "CHILD")]),
                r.randint(200, 989), r.randint(2000000, 9999999)))
        segs.append(self.pv1(fac))
        if r.random() < 0.5:
            segs.append("AL1|1|DA|%s|%s" % (r.choice(["70618^PENICILLIN^RXNORM", "2670^CODEINE^RXNORM",
                                                     "1191^ASPIRIN^RXNORM"]),
                                            r.choice(["SV", "MO", "MI"])))
        if r.random() < 0.5:
            segs.append("DG1|1||%s||%s|A" % (r.choice(["I10^Essential hypertension^I10",
                                                       "E11.9^Type 2 diabetes mellitus^I10",
                                                       "J18.9^Pneumonia, unspecified^I10"]),
                                             self.ts()))
        if r.random() < 0.4:
            segs.append("IN1|1|%s|%d|%s|||||GRP%05d" % (
                r.choice(["BCBS^BLUE CROSS", "AETNA^AETNA", "MCR^MEDICARE"]), r.randint(100, 999),
                r.choice(["BLUE CROSS", "AETNA", "MEDICARE"]), r.randint(1, 99999)))
        return "ADT", segs

    def oru(self):
        r, fac = self.r, self.r.choice(FACILITIES)
        code, name, tests = r.choice(LAB_PANELS)
        obs_ts = self.ts()
        filler = "%s%08d" % (fac[1], r.randint(1, 99999999))
        segs = [self.msh("ORU^R01^ORU_R01", fac), self.patient(fac),
                "ORC|RE|PLC%07d|%s||CM" % (r.randint(1, 9999999), filler),
                "OBR|1|PLC%07d|%s|%s^%s^LN|||%s|||||||%s|%s||||||%s|||F" % (
                    r.randint(1, 9999999), filler, code, name, obs_ts, obs_ts, self.doctor(),
                    self.ts())]
        n = r.randint(3, len(tests))
        for i, (lc, ln, unit, rng, lo, hi) in enumerate(tests[:n], 1):
            val = r.uniform(lo, hi)
            sval = ("%d" % val) if hi > 50 else ("%.1f" % val)
            flag = r.choice(["N", "N", "N", "H", "L"])
            segs.append("OBX|%d|NM|%s^%s^LN||%s|%s|%s|%s|||F|||%s" % (i, lc, ln, sval, unit, rng,
                                                                    flag, obs_ts))
        if r.random() < 0.3:
            segs.append("NTE|1|L|Specimen received hemolyzed; interpret with caution.")
        return "ORU", segs

    def orm(self):
        r, fac = self.r, self.r.choice(FACILITIES)
        code, name, dept = r.choice(ORDERS)
        plc = "PLC%07d" % r.randint(1, 9999999)
        segs = [self.msh("ORM^O01^ORM_O01", fac), self.patient(fac), self.pv1(fac),
                "ORC|NW|%s||||||^^^%s^^R||%s|||%s" % (plc, self.ts(), self.ts(), self.doctor()),
                "OBR|1|%s||%s^%s^CPT|||%s||||||||%s||||%s||||||||^^^^^R" % (
                    plc, code, name, self.ts(), self.doctor(), dept)]
        if r.random() < 0.6:
            segs.append("DG1|1||%s" % r.choice(["R05^Cough^I10", "R51^Headache^I10",
                                                "R10.9^Abdominal pain^I10"]))
        return "ORM", segs

    def mdm(self):
        r, fac = self.r, self.r.choice(FACILITIES)
        doc = self.doctor()
        segs = [self.msh("MDM^T02^MDM_T02", fac), "EVN|T02|%s" % self.ts(), self.patient(fac),
                self.pv1(fac),
                "TXA|1|%s|TX|%s|%s|%s||||||DOC%08d||||||AU||AV" % (
                    r.choice(["PN^Progress Note", "DS^Discharge Summary", "CN^Consult Note"]),
                    self.ts(), doc, self.ts(), r.randint(1, 99999999))]
        lines = r.sample(NOTE_LINES, r.randint(2, 4))
        for i, line in enumerate(lines, 1):
            segs.append("OBX|%d|TX|NOTE^Clinical Note||%s||||||F" % (i, line))
        return "MDM", segs

    def siu(self):
        r, fac = self.r, self.r.choice(FACILITIES)
        start = self.ts()
        reason = r.choice(APPT_REASONS)
        dur = r.choice([15, 20, 30, 45, 60])
        segs = [self.msh("SIU^S12^SIU_S12", fac),
                "SCH|APT%07d|APT%07d|||||%s^%s|%s|%d|min|^^%d^%s|||||%s||||%s|||||BOOKED" % (
                    r.randint(1, 9999999), r.randint(1, 9999999), reason[0], reason[1],
                    r.choice(["ROUTINE", "URGENT"]), dur, dur, start, self.doctor(), self.doctor()),
                self.patient(fac), self.pv1(fac),
                "RGS|1|A",
                "AIL|1|A|%s^%d^1^%s|CLINIC" % (r.choice(["CLINIC", "RAD", "CARD"]), r.randint(1, 40),
                                               fac[1]),
                "AIP|1|A|%s|ATTENDING|||%s|%d|min" % (self.doctor(), start, dur)]
        return "SIU", segs


def synthesize(count, seed):
    s = Synth(seed)
    makers = [s.adt] * 40 + [s.oru] * 25 + [s.orm] * 15 + [s.mdm] * 10 + [s.siu] * 10
    out = []
    for _ in range(count):
        mtype, segs = s.r.choice(makers)()
        out.append((mtype, ("\r".join(segs) + "\r").encode("utf-8")))
    return out


# --------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default=DEFAULT_CORPUS,
                    help="shared HL7 v2 corpus directory (default: %(default)s)")
    ap.add_argument("--out", required=True, help="output corpus file")
    ap.add_argument("--synthetic", action="store_true",
                    help="generate the synthetic corpus even if the shared corpus exists")
    ap.add_argument("--count", type=int, default=276, help="synthetic message count")
    ap.add_argument("--seed", type=int, default=20240601, help="synthetic RNG seed")
    ap.add_argument("--dedup", action="store_true",
                    help="drop byte-identical duplicate messages from the shared corpus")
    ap.add_argument("-v", "--verbose", action="store_true", help="print skip reasons to stderr")
    args = ap.parse_args()

    if not args.synthetic and os.path.isdir(args.corpus):
        msgs = select_from_corpus(args.corpus, args.verbose)
        source = "shared corpus %s" % os.path.normpath(args.corpus)
        if args.dedup:
            seen = set()
            msgs = [m for m in msgs if not (m[1] in seen or seen.add(m[1]))]
            source += ", deduplicated"
        if not msgs:
            sys.exit("make_parse_corpus: no usable messages found in %s" % args.corpus)
    else:
        if not args.synthetic:
            print("make_parse_corpus: shared corpus %s not found; generating a synthetic corpus "
                  "(%d messages, seed %d)" % (os.path.normpath(args.corpus), args.count, args.seed))
        msgs = synthesize(args.count, args.seed)
        source = "synthetic (seed %d)" % args.seed

    data = b"".join(m for _, m in msgs)
    with open(args.out, "wb") as f:
        f.write(data)
    counts = Counter(t for t, _ in msgs)
    per_type = " ".join("%s=%d" % (t, counts.get(t, 0)) for t in WANTED_TYPES)
    print("corpus: %d messages, %d bytes, avg %.1f bytes/msg, %s [source: %s] -> %s" % (
        len(msgs), len(data), len(data) / len(msgs), per_type, source, args.out))


if __name__ == "__main__":
    main()
