#!/usr/bin/python3
"""Database polling throughput: rows/s from a PostgreSQL table into the queue and into the CRM store.

    tests/bench/dbpoll_bench.py [--rows N] [--batch B] [--medgw BIN]

A PostgreSQL server is started in a temporary directory (the e2e test's fixture,
tests/e2e/test_dbpoll.py), a table of lab results is filled with N rows (reports of 10 results,
over N/50 patients, every report's rows sharing one timestamp), then `medgw serve` polls it through
odbc-postgresql (batches of B rows, each batch and its watermark one synced queue write) with the
pipeline mapping every row by the site's row mapping into the SQLite CRM store (synchronous=FULL).
The clock runs from the gateway's start until the queue holds N rows, and until the store holds N
observations. Prints:
    RESULT name=dbpoll-queue rows=N seconds=T rows_per_s=X
    RESULT name=dbpoll-archive rows=N seconds=T rows_per_s=X
"""
import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "e2e"))
import test_dbpoll  # noqa: E402  (the PostgreSQL fixture and the driver lookup)


def queue_appended(log_path):
    last = 0
    with open(log_path, "rb") as f:
        for line in f:
            try:
                o = json.loads(line)
            except ValueError:
                continue
            if o.get("event") in ("queue.stats", "gateway.stopped"):
                last = o.get("appended", last)
    return last


def observations(crm):
    try:
        db = sqlite3.connect("file:%s?mode=ro" % crm, uri=True, timeout=10)
        try:
            return db.execute("SELECT count(*) FROM observations").fetchone()[0]
        finally:
            db.close()
    except sqlite3.OperationalError:
        return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=50000)
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--medgw", default=os.path.join(REPO, "build", "release", "gateway", "medgw"))
    args = ap.parse_args()
    medgw = os.path.abspath(args.medgw)
    pg_bin, driver = test_dbpoll.find_pg_bin(), test_dbpoll.find_odbc_driver()
    if not pg_bin or not driver or not os.access(medgw, os.X_OK):
        sys.exit("dbpoll_bench: needs postgresql, odbc-postgresql (deploy/install-deps.sh) and %s" % medgw)
    tmp = tempfile.mkdtemp(prefix="medgw-dbpoll-bench-", dir="/var/tmp")
    os.chmod(tmp, 0o755)
    pg = test_dbpoll.Postgres(pg_bin, os.path.join(tmp, "pg"))
    gw = None
    try:
        pg.start()
        pg.psql("CREATE DATABASE lab ENCODING 'UTF8' TEMPLATE template0")
        pg.psql("CREATE TABLE lab_results (row_id bigint PRIMARY KEY, updated_at timestamp NOT NULL, "
                "patient_no text, patient_name text, sex text, birth_date date, report_no text, panel_code text, "
                "panel_name text, sample_time timestamp, item_code text, item_name text, result text, unit text, "
                "ref_range text, flag text)", db="lab")
        codes = "ARRAY['GLU','ALT','AST','TC','TG','HDL-C','LDL-C','CREA','UA','BUN']"
        pg.psql("INSERT INTO lab_results SELECT g, timestamp '2024-05-01 00:00:00' + (g / 10) * interval '1 second', "
                "lpad(((g / 10) %% %d)::text, 8, '0'), '张三', 'M', date '1980-01-01', 'R' || (g / 10), 'BIO', '生化', "
                "timestamp '2024-05-01 07:30:00', (%s)[1 + g %% 10], 'item', (4 + g %% 3)::text || '.2', 'mmol/L', "
                "'3.1-5.7', 'N' FROM generate_series(0, %d) g" % (max(1, args.rows // 50), codes, args.rows - 1),
                db="lab")
        work = os.path.join(tmp, "gw")
        os.makedirs(work)
        pwfile = os.path.join(work, "lab.password")
        with open(pwfile, "w") as f:
            f.write(test_dbpoll.PASSWORD + "\n")
        site = os.path.join(work, "site.yaml")
        with open(site, "w", encoding="utf-8") as f:
            f.write(f"""
site: bench-lab
identifiers:
  authorities:
    BLH: {{system: "http://bench.example.cn/sid/mrn", type: MR, kind: mrn}}
sources:
  - source: lab
    local_code_system: LIS
code_maps: ["{REPO}/deploy/sites/cn-hospital-lab-codes.csv"]
db_rows:
  lab:
    sender: "LIS^BENCH"
    timezone: "+08:00"
    patient:
      identifiers: [{{column: patient_no, assigner: BLH}}]
      name: patient_name
      sex: sex
      birth_date: birth_date
    report: {{key: report_no, code: panel_code, name: panel_name, time: sample_time}}
    observation:
      code: item_code
      name: item_name
      value: result
      unit: unit
      reference_range: ref_range
      abnormal_flag: flag
""")
        conn = "Driver=%s;Servername=127.0.0.1;Port=%d;Database=lab;UID=postgres;" % (driver, pg.port)
        query = ("SELECT * FROM lab_results WHERE updated_at > CAST(? AS timestamp) OR "
                 "(updated_at = CAST(? AS timestamp) AND row_id > CAST(? AS bigint)) "
                 "ORDER BY updated_at, row_id LIMIT CAST(? AS integer)")
        config = os.path.join(work, "medgw.yaml")
        with open(config, "w") as f:
            f.write(f"""
log: {{level: info}}
stats_interval_s: 1
site: {site}
queue: {{path: {work}/queue}}
crm_store: {{path: {work}/crm.sqlite}}
pipeline: {{enabled: true, workers: 2, batch_max: 512}}
db_sources:
  - name: lab
    connection: "{conn}"
    password_file: {pwfile}
    query: "{query}"
    params: [watermark_timestamp, watermark_timestamp, watermark_key, batch_size]
    timestamp_column: updated_at
    key_column: row_id
    ordering_column: patient_no
    poll_interval_ms: 50
    batch_size: {args.batch}
""")
        log_path = os.path.join(work, "medgw.log")
        print("dbpoll_bench: %d rows in PostgreSQL (%d per report), batches of %d; queue and CRM store fsync'd"
              % (args.rows, 10, args.batch))
        start = time.monotonic()
        with open(log_path, "ab") as log:
            gw = subprocess.Popen([medgw, "serve", "--config", config], stdout=log, stderr=log, cwd=work)
        queued_at = None
        deadline = start + 1800
        while time.monotonic() < deadline:
            if gw.poll() is not None:
                sys.exit("dbpoll_bench: the gateway exited; see " + log_path)
            now = time.monotonic()
            if queued_at is None and queue_appended(log_path) >= args.rows:
                queued_at = now
            if observations(os.path.join(work, "crm.sqlite")) >= args.rows:
                archived_at = now
                break
            time.sleep(0.05)
        else:
            sys.exit("dbpoll_bench: not all rows arrived in 30 minutes")
        if queued_at is None:
            queued_at = archived_at  # the queue's counter is logged once a second
        print("RESULT name=dbpoll-queue rows=%d seconds=%.3f rows_per_s=%.1f"
              % (args.rows, queued_at - start, args.rows / (queued_at - start)))
        print("RESULT name=dbpoll-archive rows=%d seconds=%.3f rows_per_s=%.1f"
              % (args.rows, archived_at - start, args.rows / (archived_at - start)))
    finally:
        if gw and gw.poll() is None:
            gw.terminate()
            gw.wait(timeout=60)
        pg.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
