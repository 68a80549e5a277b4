#!/usr/bin/python3
"""Parse-benchmark peer: Debian's python3-hl7 (`import hl7`, `hl7.parse`).

Usage: peer_python_hl7.py [--seconds S] [--warmup W] CORPUS_FILE

Splits CORPUS_FILE into messages at "\\rMSH" boundaries, then parses whole
passes over the corpus for ~S seconds (after an untimed W-second warm-up).
Every parse reads MSH-10 and PID-3 (first repetition, first component, i.e.
the CX.1 ID number) and adds their lengths to a checksum.

Prints one line:
RESULT name=python-hl7 msgs_per_s=<f> mb_per_s=<f> messages=<n> checksum=<n>
(MB = 1e6 bytes of message input; messages = parses in the timed run.)
"""

import argparse
import time

import hl7


def load(path):
    with open(path, "rb") as f:
        data = f.read()
    parts = data.split(b"\rMSH")
    raw = [parts[0]] + [b"MSH" + p for p in parts[1:]]
    raw = [m if m.endswith(b"\r") else m + b"\r" for m in raw if m.strip()]
    # Peers get their native input type (str); decoding is not timed.
    return [m.decode("utf-8") for m in raw], sum(len(m) for m in raw)


def one_pass(msgs, parse=hl7.parse):
    chk = 0
    for text in msgs:
        m = parse(text)
        # MSH-10: whole field. (The accessor m["MSH.F10"] defaults to R1.C1 and
        # would return only the first component of a malformed "A^B" MSH-10.)
        # Segment indexing is MSH-aware: segment("MSH")[10] is MSH-10.
        try:
            chk += len(str(m.segment("MSH")[10]))
        except IndexError:               # MSH shorter than 10 fields
            pass
        # PID-3, first repetition, first component (documented accessor).
        try:
            chk += len(m["PID.F3.R1.C1"])
        except (KeyError, IndexError):   # no PID segment / no PID-3
            pass
    return chk


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--warmup", type=float, default=0.5)
    ap.add_argument("corpus")
    args = ap.parse_args()

    msgs, pass_bytes = load(args.corpus)

    end = time.perf_counter() + args.warmup
    while True:
        one_pass(msgs)
        if time.perf_counter() >= end:
            break

    checksum = 0
    passes = 0
    t0 = time.perf_counter()
    deadline = t0 + args.seconds
    while True:
        checksum += one_pass(msgs)
        passes += 1
        t1 = time.perf_counter()
        if t1 >= deadline:
            break
    elapsed = t1 - t0

    n = passes * len(msgs)
    print("RESULT name=python-hl7 msgs_per_s=%.1f mb_per_s=%.3f messages=%d checksum=%d" % (
        n / elapsed, passes * pass_bytes / elapsed / 1e6, n, checksum))


if __name__ == "__main__":
    main()
