#!/usr/bin/python3
"""`nvsx demo` end to end, as a user runs it: the embedded cluster, the
controller and the janitor as real processes, a fault injected, the starter
runbook run in --plain mode. Checks the JSON-lines sequence, the HealthEvent's
phase timestamps, Prometheus scraping every program's /metrics (the MTTR
histogram queried through its HTTP API), and that every API request each
program made is granted by its RBAC role in deploy/.
Usage: demo_e2e_test.py NVSX_BINARY REPO_ROOT [PROMETHEUS]"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse
import urllib.request

import yaml

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test_support"))
from tmux_session import TmuxSession  # noqa: E402

NVSX, ROOT = sys.argv[1:3]
PROMETHEUS = sys.argv[3] if len(sys.argv) > 3 else "prometheus"
CHAIN_STAGES = ["preflight", "detect", "quarantine", "drain", "remediate", "recover", "postmortem"]
PHASES = ["Quarantined", "Drained", "Remediated", "Resolved"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def events_of(stdout):
    return [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]


class DemoCase(unittest.TestCase):
    """What every demo test shares: a state folder of its own, no notifiers."""

    def setUp(self):
        self.dir = tempfile.mkdtemp()
        self.env = dict(os.environ, NVSX_STATE_DIR=os.path.join(self.dir, "state"),
                        NVSX_PROJECT_ROOT=ROOT)
        for variable in ("KUBECONFIG", "SLACK_WEBHOOK_URL", "PAGERDUTY_ROUTING_KEY", "JIRA_URL"):
            self.env.pop(variable, None)

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def demo(self, *args, timeout=240):
        return subprocess.run([NVSX, "demo", "--plain", *args], env=self.env, cwd=self.dir,
                              capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)

    def assert_passed_stages(self, events, stages):
        passed = [e["stage"] for e in events if e["event"] == "stage_pass"]
        self.assertEqual(passed, stages, json.dumps(events, indent=1)[-3000:])
        self.assertEqual(events[0]["event"], "run_start")
        self.assertEqual(events[-1]["event"], "run_end")
        self.assertEqual(events[-1]["result"], "pass")


class DemoTest(DemoCase):
    def test_each_fatal_fault_goes_from_injection_to_resolved(self):
        for fault in ["ecc", "nvlink", "driver-hang"]:
            with self.subTest(fault=fault):
                run = self.demo("--fault", fault)
                self.assertEqual(run.returncode, 0, run.stderr[-3000:])
                self.assert_passed_stages(events_of(run.stdout), CHAIN_STAGES)
                self.assertIn("MTTR breakdown", run.stderr)
                self.assertRegex(run.stderr, r"Resolved\s+\S+\s+\S+")

    def test_each_non_fatal_fault_is_recorded_without_quarantine_and_resolves_when_healed(self):
        for fault, healing in [("thermal", "the GPU cools down"),
                               ("inforom", "the hardware team swaps the GPU")]:
            with self.subTest(fault=fault):
                run = self.demo("--fault", fault)
                self.assertEqual(run.returncode, 0, run.stderr[-3000:])
                events = events_of(run.stdout)
                self.assert_passed_stages(events, ["detect", "recover", "postmortem"])
                hooks = [e["script"] for e in events if e["event"] == "hook_exit"]
                self.assertTrue(hooks[0].endswith("on-degraded.sh"), hooks)
                self.assertIn(f"(demo) {healing}", run.stderr)
                breakdown = run.stderr.split("MTTR breakdown")[1]
                self.assertRegex(breakdown, r"Resolved\s+\S+\s+\S+")
                self.assertNotIn("Quarantined", breakdown)  # the node stayed in service

    def test_an_unknown_fault_is_refused_with_the_choices(self):
        run = self.demo("--fault", "meltdown")
        self.assertEqual(run.returncode, 2)
        self.assertIn("--fault meltdown", run.stderr)
        self.assertIn("xid79", run.stderr)


class CinematicDemoTest(DemoCase):
    """The flagship demo on a terminal: the cinematic renderer, through tmux."""

    def test_xid79_on_a_terminal(self):
        env = " ".join(f"{k}={v}" for k, v in [("NVSX_STATE_DIR", self.env["NVSX_STATE_DIR"]),
                                                ("NVSX_PROJECT_ROOT", ROOT), ("TERM", "xterm"),
                                                ("HOME", self.dir), ("PATH", os.environ["PATH"])])
        # The pane outlives the demo so its last screen and exit code can be read.
        session = TmuxSession("demo", f'env {env} {NVSX} demo; echo "(exit $?)"; sleep 120',
                              width=120, height=50)
        try:
            screen = session.wait_for("(exit ", limit=240, history=500)
            self.assertIn("(exit 0)", screen)
            for title in ["Fault reported", "Node cordoned and tainted", "Workloads evicted",
                          "Remediation requested", "Node back in service", "MTTR breakdown"]:
                self.assertIn(title, screen)
            self.assertRegex(screen, r"Resolved\s+\S+\s+\S+")
        finally:
            session.stop()


class FlagshipDemoTest(DemoCase):
    """XID 79 with --keep, Prometheus beside it, and the audit log afterwards."""

    maxDiff = None

    def start_prometheus(self, targets):
        self.prom_port = free_port()
        config = os.path.join(self.dir, "prometheus.yml")
        with open(config, "w") as f:
            yaml.safe_dump({"global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
                            "scrape_configs": [{"job_name": "nvsx-demo",
                                                "file_sd_configs": [{"files": [targets],
                                                                     "refresh_interval": "1s"}]}]},
                           f)
        self.prometheus = subprocess.Popen(
            [PROMETHEUS, f"--config.file={config}",
             f"--storage.tsdb.path={os.path.join(self.dir, 'tsdb')}",
             f"--web.listen-address=127.0.0.1:{self.prom_port}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def query(self, promql):
        url = (f"http://127.0.0.1:{self.prom_port}/api/v1/query?"
               + urllib.parse.urlencode({"query": promql}))
        with urllib.request.urlopen(url, timeout=5) as response:
            return json.load(response)["data"]["result"]

    def wait_for_query(self, promql, done=bool, deadline_s=60):
        """The query's result once `done(result)` holds (by default: not empty)."""
        end = time.time() + deadline_s
        result = []
        while time.time() < end:
            try:
                result = self.query(promql)
                if done(result):
                    return result
            except OSError:
                pass
            time.sleep(0.5)
        self.fail(f"Prometheus never answered {promql} as expected; last: {result}")

    def test_xid79_flagship_with_prometheus_and_rbac(self):
        state = self.env["NVSX_STATE_DIR"]
        targets = os.path.join(state, "demo", "prometheus-targets.json")
        self.start_prometheus(targets)
        demo = subprocess.Popen([NVSX, "demo", "--plain", "--keep"], env=self.env, cwd=self.dir,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                stdin=subprocess.DEVNULL)
        try:
            lines = []
            while True:
                line = demo.stdout.readline()
                self.assertTrue(line, "the demo ended before its run did")
                lines.append(line)
                if '"event":"run_end"' in line.replace(" ", ""):
                    break
            events = events_of("".join(lines))
            self.assert_passed_stages(events, CHAIN_STAGES)
            # JSON lines carry one run id and non-decreasing timestamps.
            self.assertEqual(len({e["run_id"] for e in events}), 1)
            self.assertEqual([e["ts"] for e in events], sorted(e["ts"] for e in events))

            kubeconfig = os.path.join(state, "demo", "sim.kubeconfig")
            listed = subprocess.run(["kubectl", "--kubeconfig", kubeconfig, "get",
                                     "healthevents", "-o", "json"],
                                    capture_output=True, text=True, check=True)
            items = json.loads(listed.stdout)["items"]
            self.assertEqual(len(items), 1, listed.stdout)
            status = items[0]["status"]
            self.assertEqual(status["phase"], "Resolved")
            times = status["phaseTimes"]
            stamps = [times[p] for p in PHASES]
            for stamp in stamps:
                self.assertRegex(stamp, r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
            self.assertEqual(stamps, sorted(stamps), times)
            self.assertEqual(status["remediation"]["kind"], "RebootNode")

            # The MTTR histogram, through Prometheus's HTTP API.
            result = self.wait_for_query(
                'sum(nvsentinel_detect_to_resolved_seconds_count) > 0')
            self.assertGreater(float(result[0]["value"][1]), 0)
            # Every program scraped: the controller, the janitor, and each of the
            # 4 nodes' device API, health provider and publisher (some targets
            # may be seen a scrape later).
            programs = {"controller", "janitor", "device-api", "health-provider", "publisher"}
            up = self.wait_for_query("up == 1", done=lambda up: len(up) == 2 + 3 * 4)
            self.assertEqual({r["metric"]["program"] for r in up}, programs)
            # The node that failed: its provider saw the XID, its publisher opened the event.
            node = items[0]["spec"]["nodeName"]
            self.wait_for_query(f'nvsentinel_health_provider_xids_total{{node="{node}"}} >= 1')
            self.wait_for_query(
                f'nvsentinel_publisher_events_total{{node="{node}",action="opened"}} == 1')
        finally:
            demo.send_signal(signal.SIGINT)
            _, stderr = demo.communicate(timeout=60)
            self.prometheus.terminate()
            self.prometheus.wait(timeout=30)
        self.assertIn("MTTR breakdown", stderr)
        self.assertEqual(self.processes_using(os.path.join(state, "demo")), [],
                         "the demo left programs running after Ctrl-C")
        self.assert_rbac_covers(os.path.join(state, "demo", "audit.jsonl"))

    @staticmethod
    def processes_using(path):
        """PIDs of live processes whose command line mentions `path`."""
        found = []
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    cmdline = f.read().decode(errors="replace")
                with open(f"/proc/{pid}/stat") as f:
                    state = f.read().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            if path in cmdline and state not in ("Z", "X"):
                found.append(int(pid))
        return found

    def assert_rbac_covers(self, audit_log):
        rendered = subprocess.run(["kubectl", "kustomize", f"{ROOT}/deploy"], check=True,
                                  capture_output=True, text=True).stdout
        roles = {(o["kind"], o["metadata"]["name"]): o.get("rules", [])
                 for o in yaml.safe_load_all(rendered) if o and o["kind"] in ("Role", "ClusterRole")}
        role_of = {"nvsentinel-controller/": "nvsentinel-controller",
                   "nvsentinel-janitor/": "nvsentinel-janitor",
                   "nvsentinel-publisher/": "nvsentinel-publisher",
                   "nvsx/": "nvsx-serve"}

        def granted(rules, record):
            resource = record["resource"] + (
                "/" + record["subresource"] if record["subresource"] else "")
            return any(record["group"] in r["apiGroups"] and resource in r["resources"]
                       and record["verb"] in r["verbs"] for r in rules)

        seen = {}
        with open(audit_log) as f:
            for record in map(json.loads, f):
                prefix = next((p for p in role_of if record["userAgent"].startswith(p)), None)
                if prefix is None:
                    continue
                name = role_of[prefix]
                rules = roles.get(("ClusterRole", name), [])
                if record["namespace"] == "nvsentinel":
                    rules = rules + roles.get(("Role", name), [])
                key = (name, record["group"], record["resource"], record["subresource"],
                       record["verb"], record["namespace"] == "nvsentinel")
                seen[key] = granted(rules, record)
        self.assertTrue(any(k[0] == "nvsentinel-controller" for k in seen), "no controller requests")
        self.assertTrue(any(k[0] == "nvsentinel-janitor" for k in seen), "no janitor requests")
        self.assertTrue(any(k[0] == "nvsentinel-publisher" for k in seen), "no publisher requests")
        denied = sorted(k for k, ok in seen.items() if not ok)
        self.assertEqual(denied, [], "requests the RBAC roles in deploy/rbac do not grant")


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
