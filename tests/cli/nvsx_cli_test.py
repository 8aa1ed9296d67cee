#!/usr/bin/python3
"""nvsx as an operator runs it: list, show, init, run (dry and against a running
`nvsentinel sim`), history, report and doctor, with their exit codes.
Usage: nvsx_cli_test.py NVSX_BINARY NVSENTINEL_BINARY SOURCE_DIR"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ElementTree

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test_support"))
from sim_process import SimProcess  # noqa: E402

NVSX, NVSENTINEL, SOURCE = sys.argv[1], sys.argv[2], sys.argv[3]
STARTERS = ["driver-hang", "ecc-double-bit", "gpu-off-bus", "inforom", "nvlink-failure",
            "thermal-throttle"]

CORDON_WATCH = """apiVersion: nvsx/v1
kind: Runbook
metadata: {name: cordon-watch, nickname: calm-heron, title: Cordon watch}
stages:
  - id: detect
    watch:
      - {kind: node, field: spec.unschedulable, expect: "true"}
    timeout: 60s
  - id: postmortem
    hook: hooks/post.sh
narration:
  detect: "watching {{targetNode}}"
"""

POST_HOOK = '#!/bin/sh\necho "$NVSX_STAGE $NVSX_TARGET_NODE" > "$NVSX_ARTIFACT_DIR/post.txt"\n'


class NvsxTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="nvsx-cli-")
        self.env = dict(os.environ, HOME=self.dir, NVSX_STATE_DIR=os.path.join(self.dir, "state"),
                        KUBECONFIG=os.path.join(self.dir, "missing.kubeconfig"))
        self.env.pop("NVSX_PROJECT_ROOT", None)

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def nvsx(self, *args, cwd=None):
        return subprocess.run([NVSX, *args], cwd=cwd or self.dir, env=self.env,
                              capture_output=True, text=True, timeout=120)

    def project(self, runbooks):
        """A project folder with these runbooks and the post hook."""
        root = os.path.join(self.dir, "project")
        os.makedirs(os.path.join(root, "runbooks", "hooks"), exist_ok=True)
        for name, text in runbooks.items():
            with open(os.path.join(root, "runbooks", name + ".yaml"), "w") as f:
                f.write(text)
        hook = os.path.join(root, "runbooks", "hooks", "post.sh")
        with open(hook, "w") as f:
            f.write(POST_HOOK)
        os.chmod(hook, 0o755)
        self.env["NVSX_PROJECT_ROOT"] = root
        return root


class CatalogTest(NvsxTest):
    def test_list_shows_the_starter_runbooks(self):
        result = self.nvsx("--runbooks", os.path.join(SOURCE, "runbooks"), "list")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertTrue(result.stdout.startswith("NAME"))
        for slug in STARTERS:
            self.assertIn(slug, result.stdout)
        plain = self.nvsx("--runbooks", os.path.join(SOURCE, "runbooks"), "list", "--plain")
        entries = [json.loads(line) for line in plain.stdout.splitlines()]
        self.assertEqual([e["name"] for e in entries], STARTERS)
        self.assertEqual(entries[2]["nickname"], "rogue-moose")

    def test_show_prints_stages_watches_and_hooks(self):
        result = self.nvsx("--runbooks", os.path.join(SOURCE, "runbooks"), "show", "gpu-off-bus")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("watch   healthevent check=GpuPcieWatch xid=79", result.stdout)
        self.assertIn("hook    runbooks/hooks/common/acknowledge.sh", result.stdout)
        self.assertIn("watch   crd group=janitor.dgxc.nvidia.com resource=rebootnodes", result.stdout)
        missing = self.nvsx("--runbooks", os.path.join(SOURCE, "runbooks"), "show", "nope")
        self.assertEqual(missing.returncode, 2)
        self.assertIn('no runbook "nope"', missing.stderr)
        self.assertIn("gpu-off-bus", missing.stderr)

    def test_a_broken_runbook_is_named_with_file_and_line(self):
        self.project({"good": CORDON_WATCH,
                      "broken": "apiVersion: nvsx/v1\nkind: Runbook\nmetadata: {name: b, title: B}\n"
                                "stages:\n  - id: detect\n    watch:\n      - kind: telepathy\n"})
        result = self.nvsx("list")
        self.assertEqual(result.returncode, 2)
        self.assertIn("good", result.stdout)
        self.assertRegex(result.stderr, r"broken\.yaml:7:\d+: stages\[0\]\.watch\[0\]")
        self.assertIn("telepathy", result.stderr)

    def test_init_scaffolds_a_runbook_that_loads_with_hooks_that_pass_shellcheck(self):
        result = self.nvsx("init", "xid-48")
        self.assertEqual(result.returncode, 0, result.stderr)
        hooks = os.path.join(self.dir, "runbooks", "hooks", "xid-48")
        stubs = sorted(os.listdir(hooks))
        self.assertEqual(stubs, ["on-recover.sh", "on-remediate.sh", "preflight.sh"])
        for stub in stubs:
            self.assertTrue(os.access(os.path.join(hooks, stub), os.X_OK))
        check = subprocess.run(["shellcheck", *[os.path.join(hooks, s) for s in stubs]],
                               capture_output=True, text=True)
        self.assertEqual(check.returncode, 0, check.stdout)
        show = self.nvsx("show", "xid-48")
        self.assertEqual(show.returncode, 0, show.stderr)
        self.assertIn("hook    runbooks/hooks/xid-48/on-recover.sh", show.stdout)
        again = self.nvsx("init", "xid-48")
        self.assertEqual(again.returncode, 2)
        self.assertIn("already exists", again.stderr)
        bad = self.nvsx("init", "Bad_Name")
        self.assertEqual(bad.returncode, 2)
        self.assertIn("lower-case letters", bad.stderr)


class DryRunTest(NvsxTest):
    def test_dry_run_prints_the_plan_and_runs_nothing(self):
        root = self.project({"cordon-watch": CORDON_WATCH})
        result = self.nvsx("run", "cordon-watch", "--dry-run", "--target-node", "gpu-node-1",
                           "--plain")
        self.assertEqual(result.returncode, 0, result.stderr)
        events = [json.loads(line) for line in result.stdout.splitlines()]
        self.assertEqual([e["event"] for e in events],
                         ["run_start", "stage_skip", "stage_skip", "run_end"])
        self.assertTrue(events[0]["dry_run"])
        self.assertIn("would wait for node (expect=true, field=spec.unschedulable)",
                      events[1]["reason"])
        self.assertIn("would run hook " + os.path.join(root, "runbooks/hooks/post.sh"),
                      events[2]["reason"])
        self.assertEqual(events[3]["result"], "dry-run")
        self.assertFalse(os.path.exists(os.path.join(self.dir, "state", "runs")))

    def test_bad_target_node_and_undrilled_inject_are_refused(self):
        self.project({"cordon-watch": CORDON_WATCH,
                      "drill": "apiVersion: nvsx/v1\nkind: Runbook\nmetadata: {name: d, title: D}\n"
                               "stages:\n  - id: inject\n    action: {script: hooks/post.sh}\n"})
        bad = self.nvsx("run", "cordon-watch", "--target-node", "node;reboot", "--plain")
        self.assertEqual(bad.returncode, 2)
        self.assertIn("--target-node", bad.stderr)
        drill = self.nvsx("run", "drill", "--target-node", "gpu-node-1", "--plain")
        self.assertEqual(drill.returncode, 2)
        self.assertIn("pass --drill", drill.stderr)


class SimTest(NvsxTest):
    """Against a running `nvsentinel sim` with two GPU nodes."""

    def setUp(self):
        super().setUp()
        self.sim = SimProcess(NVSENTINEL, self.dir, "--nodes", "2")
        self.env["KUBECONFIG"] = self.sim.kubeconfig

    def tearDown(self):
        self.sim.stop()
        super().tearDown()

    def kubectl(self, *args):
        result = subprocess.run(["kubectl", *args], env=self.env, capture_output=True, text=True,
                                timeout=60)
        self.assertEqual(result.returncode, 0, result.stderr)

    def start_run(self, *args):
        run = subprocess.Popen([NVSX, "run", *args, "--plain"], cwd=self.dir, env=self.env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        events = []
        while not events or events[-1]["event"] != "stage_start":
            line = run.stdout.readline()
            self.assertTrue(line, run.stderr.read() if run.poll() is not None else "no output")
            events.append(json.loads(line))
        return run, events

    def finish_run(self, run, events):
        # Not communicate(): it reads the raw pipe and would miss lines that
        # readline() already buffered.
        out = run.stdout.read()
        err = run.stderr.read()
        run.wait(timeout=60)
        events += [json.loads(line) for line in out.splitlines()]
        run.stdout.close()
        run.stderr.close()
        return err

    def test_a_run_passes_on_the_cordon_and_is_recorded(self):
        self.project({"cordon-watch": CORDON_WATCH})
        run, events = self.start_run("cordon-watch", "--target-node", "gpu-node-1")
        self.kubectl("cordon", "gpu-node-1")
        err = self.finish_run(run, events)
        self.assertEqual(run.returncode, 0, err)
        self.assertEqual([(e["event"], e.get("stage")) for e in events],
                         [("run_start", None), ("stage_start", "detect"), ("narration", "detect"),
                          ("watch_satisfied", "detect"), ("stage_pass", "detect"),
                          ("stage_start", "postmortem"), ("hook_start", "postmortem"),
                          ("hook_exit", "postmortem"), ("stage_pass", "postmortem"),
                          ("run_end", None)])
        self.assertEqual(events[2]["text"], "watching gpu-node-1")
        run_id = events[0]["run_id"]
        with open(os.path.join(self.dir, "state", "runs", run_id, "post.txt")) as f:
            self.assertEqual(f.read(), "postmortem gpu-node-1\n")

        history = self.nvsx("history", "--plain")
        self.assertEqual(history.returncode, 0, history.stderr)
        runs = [json.loads(line) for line in history.stdout.splitlines()]
        self.assertEqual(len(runs), 1)
        self.assertEqual((runs[0]["id"], runs[0]["runbook"], runs[0]["node"], runs[0]["result"]),
                         (run_id, "cordon-watch", "gpu-node-1", "pass"))
        report = self.nvsx("report")
        self.assertEqual(report.returncode, 0, report.stderr)
        self.assertRegex(report.stdout, r"cordon-watch\s+1\s")
        self.assertRegex(report.stdout, r"detect\s+1\s")
        svg = os.path.join(self.dir, "timeline.svg")
        drawn = self.nvsx("report", "--svg", run_id, "--out", svg)
        self.assertEqual(drawn.returncode, 0, drawn.stderr)
        root = ElementTree.parse(svg).getroot()
        self.assertEqual(root.tag, "{http://www.w3.org/2000/svg}svg")
        self.assertIn("detect", ElementTree.tostring(root, encoding="unicode"))

    def test_the_target_node_is_detected_or_the_choice_is_explained(self):
        self.project({"cordon-watch": CORDON_WATCH})
        self.kubectl("cordon", "gpu-node-0")
        run, events = self.start_run("cordon-watch")
        self.finish_run(run, events)
        self.assertEqual(run.returncode, 0)
        self.assertEqual(events[0]["target_node"], "gpu-node-0")
        self.kubectl("cordon", "gpu-node-1")
        ambiguous = self.nvsx("run", "cordon-watch", "--plain")
        self.assertEqual(ambiguous.returncode, 2)
        self.assertIn("2 GPU nodes are cordoned (gpu-node-0, gpu-node-1)", ambiguous.stderr)

    def test_ctrl_c_ends_the_stage_and_postmortem_still_runs(self):
        self.project({"cordon-watch": CORDON_WATCH})
        run, events = self.start_run("cordon-watch", "--target-node", "gpu-node-1")
        run.send_signal(signal.SIGINT)
        self.finish_run(run, events)
        self.assertEqual(run.returncode, 130)
        fail = [e for e in events if e["event"] == "stage_fail"]
        self.assertEqual((fail[0]["stage"], fail[0]["reason"]), ("detect", "interrupted"))
        self.assertIn(("stage_pass", "postmortem"), [(e["event"], e.get("stage")) for e in events])
        self.assertEqual(events[-1]["result"], "interrupted")

    def test_doctor_checks_the_cluster_and_the_runbooks(self):
        self.project({"cordon-watch": CORDON_WATCH})
        result = self.nvsx("doctor")
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertRegex(result.stdout, r"ok\s+CRD healthevents.nvsentinel.nvidia.com")
        self.assertRegex(result.stdout, r"ok\s+GPU nodes\s+2 \(2 Ready, 0 cordoned\)")
        self.assertRegex(result.stdout, r"warn\s+controllers")
        self.assertRegex(result.stdout, r"ok\s+runbooks\s+1 in")


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v", *sys.argv[4:]])
