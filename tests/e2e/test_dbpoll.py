#!/usr/bin/python3
"""Database polling end to end (issue 6): a real PostgreSQL server, read through odbc-postgresql.

The test starts its own PostgreSQL (initdb + pg_ctl in a temporary directory, as the unprivileged
`postgres` user when run as root, a private socket directory and a free TCP port on 127.0.0.1,
password authentication), creates a LIS table of lab results and runs `medgw serve` with a
db_sources: entry whose password comes from a file. Then:

- a writer inserts rows while medgw polls, many rows sharing one timestamp (groups larger than a
  batch, so a batch ends in the middle of a timestamp);
- in the middle, PostgreSQL is restarted (pg_ctl restart -m fast: connections are cut), and later
  medgw is killed with SIGKILL and started again on the same queue;
- at the end medgw is stopped with SIGTERM and `medgw messages list --tsv` is read back: every
  row is in the queue exactly once (by its dedupe key, source|row key|timestamp), nothing else is,
  and each db-row envelope is parked as unsupported, with its reason, not lost (the config has no
  site file, so no row mapping);
- the connection failure during the restart was logged with PostgreSQL's own message, and the
  password appears nowhere in medgw's output;
- a second source reads a SQL_ASCII database holding GBK bytes (as legacy Chinese HIS databases
  do) with `encoding: GBK`: the names arrive as correct UTF-8.

test_lab_results_fill_the_archive: a site file and a table of lab results are enough. A GBK
table (several reports of several rows each, two patients, local item codes) is polled with a
db_rows: row mapping; `medgw archive show --identifier <mrn>` then shows each patient once with
each report and all its observations, coded in LOINC by the site's code map and in UCUM by its
units; killing medgw with SIGKILL and starting it again (the rows read again) adds nothing to
the CRM store.

The PostgreSQL server binaries and the ODBC driver come from deploy/install-deps.sh
(postgresql, odbc-postgresql). When they are missing the test FAILS with what to install: it
never skips silently.

    /usr/bin/python3 tests/e2e/test_dbpoll.py      # or: ctest -R e2e_dbpoll
Environment: MEDGW_BIN (default build/dev/gateway/medgw), MEDGW_DBPOLL_SEED (the writer's pauses),
MEDGW_DBPOLL_KEEP=1 keeps the temporary directory (PostgreSQL's and medgw's logs) for a look.
"""
import glob
import json
import os
import pwd
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
MEDGW = os.path.abspath(os.environ.get("MEDGW_BIN") or os.path.join(REPO, "build", "dev", "gateway", "medgw"))
SEED = int(os.environ.get("MEDGW_DBPOLL_SEED", str(int(time.time()))))

# ASan builds: psqlodbc's own per-connection leak is suppressed (see the file), ours are not.
_supp = "suppressions=" + os.path.join(HERE, "dbpoll_lsan.supp")
MEDGW_ENV = dict(os.environ, LSAN_OPTIONS=(os.environ.get("LSAN_OPTIONS", "") + ":" + _supp).lstrip(":"))

PASSWORD = "Pw;with}braces-7731"  # exercises the PWD={...} quoting; must never be logged
ROWS_PER_TIMESTAMP = 37           # more than a batch (25): batches end inside a timestamp
GROUPS = 16                       # 592 rows
BATCH = 25
# No site file, so no row mapping: every row is parked, kept for a replay once one exists.
UNSUPPORTED = "unsupported: no row mapping for database source '%s' (db_rows: in the site file)"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"


def find_pg_bin():
    for d in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if os.access(os.path.join(d, "initdb"), os.X_OK) and os.access(os.path.join(d, "pg_ctl"), os.X_OK):
            return d
    return None


def find_odbc_driver():
    """The ANSI psqlodbc driver (bytes pass through as the database holds them)."""
    for p in ("/usr/lib/x86_64-linux-gnu/odbc/psqlodbca.so", "/usr/lib/aarch64-linux-gnu/odbc/psqlodbca.so"):
        if os.path.exists(p):
            return p
    found = glob.glob("/usr/lib/*/odbc/psqlodbca.so")
    return found[0] if found else None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Postgres:
    """A throwaway PostgreSQL cluster in `root`, run as `postgres` when we are root."""

    def __init__(self, bindir, root):
        self.bindir = bindir
        self.root = root
        self.data = os.path.join(root, "data")
        self.sock = os.path.join(root, "sock")
        self.log = os.path.join(root, "postgres.log")
        self.port = free_port()
        os.makedirs(self.sock)
        self.as_user = []
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")  # created by the postgresql package
            for d in (root, self.sock):
                os.chown(d, pw.pw_uid, pw.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        pwfile = os.path.join(root, "superuser.pw")
        with open(pwfile, "w") as f:
            f.write(PASSWORD + "\n")
        if self.as_user:
            os.chown(pwfile, pwd.getpwnam("postgres").pw_uid, -1)
        self.run_tool("initdb", "-D", self.data, "-U", "postgres", "--auth=scram-sha-256", "--pwfile=" + pwfile,
                      "-E", "UTF8", "--locale=C", "-N")
        os.unlink(pwfile)

    def run_tool(self, tool, *args, check=True):
        cmd = self.as_user + [os.path.join(self.bindir, tool)] + list(args)
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120, cwd=self.root)
        if check and r.returncode != 0:
            raise AssertionError("%s failed (%d): %s" % (tool, r.returncode, r.stdout.decode(errors="replace")))
        return r

    def pg_ctl(self, action, *extra):
        opts = "-c listen_addresses=127.0.0.1 -p %d -k %s -c fsync=off -c synchronous_commit=off" % (self.port, self.sock)
        self.run_tool("pg_ctl", "-D", self.data, "-l", self.log, "-o", opts, "-w", "-t", "60", action, *extra)

    def start(self):
        self.pg_ctl("start")

    def restart(self):
        self.pg_ctl("restart", "-m", "fast")

    def stop(self):
        if os.path.isdir(self.data):
            self.run_tool("pg_ctl", "-D", self.data, "-w", "-m", "immediate", "stop", check=False)

    def psql(self, sql, db="postgres", data=None):
        """Runs SQL text (given on stdin, so raw bytes pass as they are) with psql over TCP."""
        env = dict(os.environ, PGPASSWORD=PASSWORD, PGCLIENTENCODING="SQL_ASCII" if db.endswith("_gbk") else "UTF8")
        cmd = [os.path.join(self.bindir, "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p",
               str(self.port), "-U", "postgres", "-d", db, "-At"]
        body = data if data is not None else sql.encode()
        r = subprocess.run(cmd, input=body, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, timeout=60)
        if r.returncode != 0:
            raise RuntimeError("psql: " + r.stderr.decode(errors="replace"))
        return r.stdout.decode(errors="replace")


def ts_of(group):
    """A group's timestamp as inserted; the rows carry it as psqlodbc renders it (ts_text)."""
    return "2024-05-01 08:%02d:%02d.250000" % (group // 60, group % 60)


def ts_text(group):
    return "2024-05-01 08:%02d:%02d.25" % (group // 60, group % 60)


class DbPollTest(unittest.TestCase):
    longMessage = False  # the messages below say what matters; sets of 600 keys would drown them

    @classmethod
    def setUpClass(cls):
        missing = []
        cls.pg_bin = find_pg_bin()
        if not cls.pg_bin:
            missing.append("postgresql (initdb/pg_ctl under /usr/lib/postgresql/*/bin)")
        cls.driver = find_odbc_driver()
        if not cls.driver:
            missing.append("odbc-postgresql (psqlodbca.so)")
        if missing:
            raise AssertionError("test_dbpoll needs " + ", ".join(missing) + ": run deploy/install-deps.sh")
        if not os.access(MEDGW, os.X_OK):
            raise AssertionError("no medgw binary at %s (set MEDGW_BIN)" % MEDGW)
        cls.tmp = tempfile.mkdtemp(prefix="medgw-dbpoll-")
        os.chmod(cls.tmp, 0o755)
        cls.pg = Postgres(cls.pg_bin, os.path.join(cls.tmp, "pg"))
        cls.pg.start()

    @classmethod
    def tearDownClass(cls):
        if getattr(cls, "pg", None):
            cls.pg.stop()
        if getattr(cls, "tmp", None) and os.environ.get("MEDGW_DBPOLL_KEEP"):
            print("kept", cls.tmp)
        elif getattr(cls, "tmp", None):
            shutil.rmtree(cls.tmp, ignore_errors=True)

    # --- medgw ---------------------------------------------------------------------------------

    def write_config(self, work):
        pwfile = os.path.join(work, "lis.password")
        with open(pwfile, "w") as f:
            f.write(PASSWORD + "\n")
        os.chmod(pwfile, 0o600)
        conn = "Driver=%s;Servername=127.0.0.1;Port=%d;Database=%%s;UID=postgres;" % (self.driver, self.pg.port)
        # psqlodbc asks for UTF8 by default, and PostgreSQL then refuses GBK bytes stored in a
        # SQL_ASCII database: the site sets the client encoding so the bytes arrive as stored.
        gbk_conn = (conn % "his_gbk") + "ConnSettings={SET client_encoding TO 'SQL_ASCII'};"
        watermark_query = (
            "SELECT row_id, updated_at, patient_id, item_name, result FROM %s "
            "WHERE updated_at > CAST(? AS timestamp) OR (updated_at = CAST(? AS timestamp) AND row_id > CAST(? AS bigint)) "
            "ORDER BY updated_at, row_id LIMIT CAST(? AS integer)")
        params = "[watermark_timestamp, watermark_timestamp, watermark_key, batch_size]"
        cfg = f"""
log: {{level: info}}
stats_interval_s: 1
queue: {{path: {work}/queue, park_policy: skip}}
crm_store: {{path: {work}/crm.sqlite}}
pipeline: {{enabled: true, workers: 1}}
db_sources:
  - name: lis
    connection: "{conn % 'lis'}"
    password_file: {pwfile}
    query: "{watermark_query % 'lab_results'}"
    params: {params}
    timestamp_column: updated_at
    key_column: row_id
    ordering_column: patient_id
    poll_interval_ms: 50
    batch_size: {BATCH}
    login_timeout_s: 5
    query_timeout_s: 30
    reconnect_base_ms: 50
    reconnect_max_ms: 1000
  - name: his-gbk
    connection: "{gbk_conn}"
    password_file: {pwfile}
    query: "{watermark_query % 'patients'}"
    params: {params}
    timestamp_column: updated_at
    key_column: row_id
    encoding: GBK
    poll_interval_ms: 50
    batch_size: {BATCH}
    reconnect_base_ms: 50
    reconnect_max_ms: 1000
"""
        path = os.path.join(work, "medgw.yaml")
        with open(path, "w") as f:
            f.write(cfg)
        return path

    def start_medgw(self, config, log_path):
        log = open(log_path, "ab")
        p = subprocess.Popen([MEDGW, "serve", "--config", config], stdout=log, stderr=log, cwd=os.path.dirname(config),
                             env=MEDGW_ENV)
        log.close()
        return p

    def appended_in_log(self, log_path):
        """The queue's persistent `appended` counter from the last queue.stats line."""
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

    def list_messages(self, config):
        r = subprocess.run([MEDGW, "messages", "list", "--status", "all", "--limit", "100000000", "--tsv", "--config", config],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120, cwd=os.path.dirname(config), env=MEDGW_ENV)
        self.assertEqual(r.returncode, 0, r.stderr.decode(errors="replace"))
        lines = r.stdout.decode().splitlines()
        header = lines[0].split("\t")
        return [dict(zip(header, l.split("\t"))) for l in lines[1:]]

    # --- the test ------------------------------------------------------------------------------

    def test_rows_once_through_restarts_and_gbk(self):
        rng = random.Random(SEED)
        print("MEDGW_DBPOLL_SEED=%d" % SEED, flush=True)
        pg = self.pg
        pg.psql("CREATE DATABASE lis")
        pg.psql("CREATE TABLE lab_results (row_id bigint PRIMARY KEY, updated_at timestamp(6) NOT NULL, "
                "patient_id text NOT NULL, item_name text, result text)", db="lis")
        pg.psql("CREATE DATABASE his_gbk ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0")
        pg.psql("CREATE TABLE patients (row_id bigint PRIMARY KEY, updated_at timestamp(6) NOT NULL, "
                "patient_id text, item_name text, result text)", db="his_gbk")
        # 张三 / 血常规 / 李四 in GBK bytes, as a GBK client wrote them into a SQL_ASCII database.
        gbk_rows = [(1, "张三", "血常规"), (2, "李四", "肝功能")]
        sql = b"".join(b"INSERT INTO patients VALUES (%d, '2024-05-01 09:00:00', '" % i + name.encode("gbk") +
                       b"', '" + item.encode("gbk") + b"', 'ok');\n" for i, name, item in gbk_rows)
        pg.psql(None, db="his_gbk", data=sql)

        work = os.path.join(self.tmp, "medgw")
        os.makedirs(work)
        config = self.write_config(work)
        log_path = os.path.join(work, "medgw.log")
        gw = self.start_medgw(config, log_path)

        expected = set()
        done = threading.Event()
        errors = []

        def writer():
            try:
                row = 0
                for g in range(GROUPS):
                    values = []
                    for _ in range(ROWS_PER_TIMESTAMP):
                        row += 1
                        values.append("(%d, '%s', 'P%03d', '总胆固醇', '%d.%02d')" % (row, ts_of(g), row % 50, row % 9, row % 100))
                        expected.add("dbpoll|lis|%d|%s" % (row, ts_text(g)))
                    # Rows of one timestamp arrive over several statements, while medgw reads.
                    cut = rng.randint(1, len(values) - 1)
                    for part in (values[:cut], values[cut:]):
                        for attempt in range(100):
                            try:
                                pg.psql("INSERT INTO lab_results VALUES " + ",".join(part), db="lis")
                                break
                            except RuntimeError:
                                time.sleep(0.1)  # PostgreSQL is restarting
                        else:
                            raise RuntimeError("could not insert after the restart")
                        time.sleep(rng.uniform(0.0, 0.12))
            except Exception as e:  # noqa: BLE001 - reported by the main thread
                errors.append(e)
            finally:
                done.set()

        t = threading.Thread(target=writer)
        t.start()
        time.sleep(1.0)
        pg.restart()  # cuts medgw's connection in the middle of polling
        time.sleep(0.8)
        gw.send_signal(signal.SIGKILL)
        gw.wait(timeout=30)
        gw = self.start_medgw(config, log_path)
        time.sleep(0.7)
        gw.send_signal(signal.SIGKILL)  # a second crash, soon after a start
        gw.wait(timeout=30)
        gw = self.start_medgw(config, log_path)
        t.join(timeout=300)
        self.assertFalse(t.is_alive(), "the writer did not finish")
        self.assertFalse(errors, errors)

        total = len(expected) + len(gbk_rows)
        deadline = time.time() + 60
        while time.time() < deadline and self.appended_in_log(log_path) < total:
            time.sleep(0.3)
        time.sleep(0.5)  # a poll in flight that would store a row twice has time to show it
        gw.send_signal(signal.SIGTERM)
        self.assertEqual(gw.wait(timeout=60), 0, "medgw did not stop cleanly")

        messages = self.list_messages(config)
        lis = [m for m in messages if m["source"] == "lis"]
        counts = {}
        for m in lis:
            counts[m["dedupe_key"]] = counts.get(m["dedupe_key"], 0) + 1
        doubled = {k: n for k, n in counts.items() if n > 1}
        self.assertFalse(doubled, "rows stored twice: %s" % list(doubled)[:5])
        missing = expected - set(counts)
        self.assertFalse(missing, "%d rows lost, e.g. %s" % (len(missing), sorted(missing)[:5]))
        self.assertEqual(set(counts), expected, "envelopes that no row explains")
        for m in messages:
            self.assertEqual(m["status"], "parked", m)
            self.assertEqual(m["reason"], UNSUPPORTED % m["source"], m)

        with open(log_path, "rb") as f:
            log_text = f.read().decode(errors="replace")
        self.assertNotIn(PASSWORD, log_text, "the password was logged")
        self.assertNotIn("Pw;with", log_text)
        failures = [json.loads(l) for l in log_text.splitlines()
                    if '"dbpoll.query_failed"' in l or '"dbpoll.connect_failed"' in l]
        self.assertTrue(failures, "the restart of PostgreSQL was not noticed")
        self.assertTrue(all(f.get("error") and "[" in f["error"] for f in failures), failures[:3])
        self.assertEqual(log_text.count('"gateway.started"'), 3)

        # The GBK source: names as UTF-8.
        gbk = [m for m in messages if m["source"] == "his-gbk"]
        self.assertEqual(len(gbk), len(gbk_rows))
        for m, (row, name, item) in zip(sorted(gbk, key=lambda m: int(m["id"])), gbk_rows):
            r = subprocess.run([MEDGW, "messages", "show", m["id"], "--config", config], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, timeout=60, cwd=work, env=MEDGW_ENV)
            self.assertEqual(r.returncode, 0, r.stderr)
            raw = r.stdout.decode("utf-8").split("segments on separate lines):\n", 1)[1]
            body = json.loads(raw)
            self.assertEqual(body["source"], "his-gbk")
            self.assertEqual(body["columns"]["patient_id"], name)
            self.assertEqual(body["columns"]["item_name"], item)
            self.assertEqual(body["columns"]["row_id"], str(row))

    # --- a site file and a table of lab results fill the archive ------------------------------

    LAB_ROWS = [
        # row_id, patient_no, name, sex, birth, report_no, item_code, item_name, result, unit, range, flag
        (1, "M1001", "张三", "男", "1980-02-29", "R1", "GLU", "葡萄糖", "6.8", "MMOL/L", "3.9-6.1", "H"),
        (2, "M1001", "张三", "男", "1980-02-29", "R1", "TC", "总胆固醇", "5.20", "mmol/l", "<5.2", None),
        (3, "M1001", "张三", "男", "1980-02-29", "R1", "ALT", "谷丙转氨酶", "40", "IU/L", "9-50", "N"),
        (4, "M1001", "张三", "男", "1980-02-29", "R2", "WBC", "白细胞", "6.5", "10^9/L", "3.5-9.5", None),
        (5, "M1001", "张三", "男", "1980-02-29", "R2", "HGB", "血红蛋白", "118", "G/L", "130-175", "L"),
        (6, "M2002", "李四", "女", "1975-06-01", "R3", "GLU", "葡萄糖", "5.1", "mmol/L", "3.9-6.1", None),
        (7, "M2002", "李四", "女", "1975-06-01", "R3", "CREA", "肌酐", "71", "umol/l", "41-81", None),
        (8, "M2002", "李四", "女", "1975-06-01", "R3", "UA", "尿酸", "阴性", None, None, None),
    ]
    LOINC_OF = {"GLU": "14749-6", "TC": "14647-2", "ALT": "1742-6", "WBC": "6690-2", "HGB": "718-7",
                "CREA": "14682-9", "UA": "14933-6"}
    UCUM_OF = {"MMOL/L": "mmol/L", "mmol/l": "mmol/L", "mmol/L": "mmol/L", "IU/L": "U/L", "10^9/L": "10*9/L",
               "G/L": "g/L", "umol/l": "umol/L"}

    def insert_lab_rows(self, rows):
        def lit(v):
            return b"NULL" if v is None else b"'" + v.encode("gbk") + b"'"
        sql = b""
        for (rid, pno, name, sex, birth, rno, code, item, result, unit, rng, flag) in rows:
            # Rows of one report share a timestamp, as a LIS writes a report in one transaction.
            ts = "2024-05-01 10:%02d:00" % int(rno[1:])
            sql += (b"INSERT INTO lab_results VALUES (%d, '%s', " % (rid, ts.encode()) +
                    b", ".join(lit(v) for v in (pno, name, sex, birth, rno, "BIO", "生化", "2024-05-01 07:30:00",
                                                code, item, result, unit, rng, flag)) + b");\n")
        self.pg.psql(None, db="lab_gbk", data=sql)

    def write_lab_config(self, work):
        pwfile = os.path.join(work, "lab.password")
        with open(pwfile, "w") as f:
            f.write(PASSWORD + "\n")
        os.chmod(pwfile, 0o600)
        site = os.path.join(work, "site.yaml")
        codes = os.path.join(REPO, "deploy", "sites", "cn-hospital-lab-codes.csv")
        with open(site, "w", encoding="utf-8") as f:
            f.write(f"""
site: e2e-lab
identifiers:
  authorities:
    BLH: {{system: "http://e2e.example.cn/sid/mrn", type: MR, kind: mrn}}
sources:
  - source: lab
    local_code_system: LIS
code_maps: ["{codes}"]
units:
  ucum:
    mmol/L: [MMOL/L, mmol/l]
    umol/L: [umol/l]
    U/L: [IU/L]
    10*9/L: [10^9/L]
    g/L: [G/L]
db_rows:
  lab:
    sender: "LIS^E2E"
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
        conn = ("Driver=%s;Servername=127.0.0.1;Port=%d;Database=lab_gbk;UID=postgres;"
                "ConnSettings={SET client_encoding TO 'SQL_ASCII'};" % (self.driver, self.pg.port))
        query = ("SELECT * FROM lab_results WHERE updated_at > CAST(? AS timestamp) OR "
                 "(updated_at = CAST(? AS timestamp) AND row_id > CAST(? AS bigint)) "
                 "ORDER BY updated_at, row_id LIMIT CAST(? AS integer)")
        cfg = f"""
log: {{level: info}}
stats_interval_s: 1
site: {site}
queue: {{path: {work}/queue, park_policy: skip}}
crm_store: {{path: {work}/crm.sqlite}}
pipeline: {{enabled: true, workers: 1}}
db_sources:
  - name: lab
    connection: "{conn}"
    password_file: {pwfile}
    query: "{query}"
    params: [watermark_timestamp, watermark_timestamp, watermark_key, batch_size]
    timestamp_column: updated_at
    key_column: row_id
    ordering_column: patient_no
    encoding: GBK
    poll_interval_ms: 50
    batch_size: 2
    reconnect_base_ms: 50
    reconnect_max_ms: 1000
"""
        path = os.path.join(work, "medgw.yaml")
        with open(path, "w") as f:
            f.write(cfg)
        return path

    def crm_counts(self, work):
        import sqlite3
        try:
            db = sqlite3.connect("file:%s?mode=ro" % os.path.join(work, "crm.sqlite"), uri=True, timeout=10)
        except sqlite3.OperationalError:
            return None  # not created yet
        try:
            counts = {t: db.execute("SELECT count(*), coalesce(max(version), 0) FROM %s" % t).fetchone()
                      for t in ("reports", "observations", "source_records")}
            counts["golden_patients"] = db.execute("SELECT count(*) FROM golden_patients").fetchone()
            return counts
        except sqlite3.OperationalError:
            return None  # not created yet
        finally:
            db.close()

    def wait_observations(self, work, n, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            c = self.crm_counts(work)
            if c and c["observations"][0] >= n:
                return c
            time.sleep(0.2)
        self.fail("the CRM store did not reach %d observations: %s" % (n, self.crm_counts(work)))

    def archive(self, config, mrn):
        r = subprocess.run([MEDGW, "archive", "show", "--config", config, "--identifier", mrn], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=60, cwd=os.path.dirname(config), env=MEDGW_ENV)
        self.assertEqual(r.returncode, 0, r.stderr.decode(errors="replace"))
        bundle = json.loads(r.stdout.decode("utf-8"))
        by_type = {}
        for e in bundle.get("entry", []):
            by_type.setdefault(e["resource"]["resourceType"], []).append(e["resource"])
        return by_type

    def test_lab_results_fill_the_archive(self):
        pg = self.pg
        pg.psql("CREATE DATABASE lab_gbk ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0")
        pg.psql("CREATE TABLE lab_results (row_id bigint PRIMARY KEY, updated_at timestamp NOT NULL, "
                "patient_no text, patient_name text, sex text, birth_date date, report_no text, panel_code text, "
                "panel_name text, sample_time timestamp, item_code text, item_name text, result text, unit text, "
                "ref_range text, flag text)", db="lab_gbk")
        work = os.path.join(self.tmp, "lab")
        os.makedirs(work)
        config = self.write_lab_config(work)
        log_path = os.path.join(work, "medgw.log")
        rows = self.LAB_ROWS

        self.insert_lab_rows(rows[:4])  # R1 and the first row of R2
        gw = self.start_medgw(config, log_path)
        self.addCleanup(lambda: gw.poll() is None and gw.kill())  # a failing assertion leaves none running
        self.wait_observations(work, 4)
        gw.send_signal(signal.SIGKILL)  # mid-feed: the rest of R2 and R3 come after a restart
        gw.wait(timeout=30)
        self.insert_lab_rows(rows[4:])
        gw = self.start_medgw(config, log_path)
        before = self.wait_observations(work, len(rows))
        time.sleep(1.0)
        gw.send_signal(signal.SIGKILL)
        gw.wait(timeout=30)
        # Read everything again: a lost watermark, as after a crash before it was stored.
        shutil.rmtree(os.path.join(work, "queue"))
        gw = self.start_medgw(config, log_path)
        deadline = time.time() + 30
        while time.time() < deadline and self.appended_in_log(log_path) < len(rows):
            time.sleep(0.3)
        time.sleep(1.5)  # the re-read rows reach the store
        gw.send_signal(signal.SIGTERM)
        self.assertEqual(gw.wait(timeout=60), 0, "medgw did not stop cleanly")

        after = self.crm_counts(work)
        self.assertEqual(after, before, "re-reading the rows changed the CRM store")
        # Three reports; R1 and R3 have three rows each, so their result lists grew twice (version 3).
        self.assertEqual(after["reports"], (3, 3))
        self.assertEqual(after["observations"], (len(rows), 1))
        self.assertEqual(after["golden_patients"][0], 2)
        messages = self.list_messages(config)
        self.assertEqual(len(messages), len(rows))
        for m in messages:
            self.assertNotEqual(m["status"], "parked", m)

        by_patient = {}
        for r in rows:
            by_patient.setdefault(r[1], {}).setdefault(r[5], []).append(r)
        for mrn, reports in by_patient.items():
            a = self.archive(config, "http://e2e.example.cn/sid/mrn|" + mrn)
            self.assertEqual(len(a["Patient"]), 1, mrn)
            patient = a["Patient"][0]
            first = next(iter(reports.values()))[0]
            self.assertIn(first[2], json.dumps(patient, ensure_ascii=False))  # the GBK name, as UTF-8
            self.assertEqual(patient["gender"], "male" if first[3] == "男" else "female")
            self.assertEqual(patient["birthDate"], first[4])
            self.assertEqual(sorted(r.get("identifier", [{}])[0].get("value") for r in a["DiagnosticReport"]),
                             sorted(reports))
            obs_by_id = {o["id"]: o for o in a["Observation"]}
            self.assertEqual(len(obs_by_id), sum(len(v) for v in reports.values()), mrn)
            for rep in a["DiagnosticReport"]:
                rno = rep["identifier"][0]["value"]
                expected = reports[rno]
                self.assertEqual(rep["status"], "final")
                refs = [x["reference"] for x in rep.get("result", [])]
                self.assertEqual(len(refs), len(expected), "report %s lists %s" % (rno, refs))
                got = {}
                for ref in refs:
                    o = obs_by_id[ref.split("/", 1)[1]]
                    got[o["code"]["coding"][1]["code"]] = o
                self.assertEqual(set(got), {r[6] for r in expected}, rno)
                for r in expected:
                    o = got[r[6]]
                    self.assertEqual(o["code"]["coding"][0], {"system": LOINC, "code": self.LOINC_OF[r[6]],
                                                              "display": o["code"]["coding"][0].get("display")})
                    self.assertEqual(o["code"]["coding"][1]["display"], r[7])  # the GBK item name
                    if r[9] is None:
                        self.assertEqual(o["valueString"], r[8])
                    else:
                        q = o["valueQuantity"]
                        self.assertEqual((q["value"], q["system"], q["code"]),
                                         (float(r[8]), UCUM, self.UCUM_OF[r[9]]), rno)
                    self.assertEqual(o["effectiveDateTime"], "2024-05-01T07:30:00+08:00")
                    if r[11]:
                        self.assertEqual(o["interpretation"][0]["coding"][0]["code"], r[11])



if __name__ == "__main__":
    unittest.main(verbosity=2)
