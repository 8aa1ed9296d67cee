#!/usr/bin/python3
"""nvsx setup as an operator meets it: the wizard driven through tmux against a
running `nvsentinel sim`, and the scripted forms (--yes, no terminal).
Usage: nvsx_setup_test.py NVSX_BINARY NVSENTINEL_BINARY SOURCE_DIR"""
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test_support"))
from sim_process import SimProcess  # noqa: E402
from tmux_session import TmuxSession  # noqa: E402

NVSX, NVSENTINEL, SOURCE = sys.argv[1], sys.argv[2], sys.argv[3]
STARTERS = os.path.join(SOURCE, "runbooks")


class SetupTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="nvsx-setup-")
        self.runbooks = os.path.join(self.dir, "project", "runbooks")
        self.env = dict(os.environ, HOME=self.dir, NVSX_STATE_DIR=os.path.join(self.dir, "state"))
        self.env.pop("NVSX_PROJECT_ROOT", None)
        self.sim = SimProcess(NVSENTINEL, self.dir, "--nodes", "2")
        self.env["KUBECONFIG"] = self.sim.kubeconfig

    def tearDown(self):
        self.sim.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def setup_command(self, *args):
        return [NVSX, "setup", "--starters", STARTERS, "--runbooks-dir", self.runbooks, *args]

    def written(self):
        found = []
        for root, _, files in os.walk(self.runbooks):
            found += [os.path.relpath(os.path.join(root, f), self.runbooks) for f in files]
        return sorted(found)


class WizardThroughTmuxTest(SetupTest):
    def setUp(self):
        super().setUp()
        env = " ".join(f"{k}={shlex.quote(v)}" for k, v in
                       [("HOME", self.dir), ("KUBECONFIG", self.env["KUBECONFIG"]),
                        ("NVSX_STATE_DIR", self.env["NVSX_STATE_DIR"]), ("TERM", "xterm")])
        wizard = " ".join(shlex.quote(word) for word in self.setup_command())
        # The pane outlives the wizard so its last screen and exit code can be read.
        command = f"env {env} {wizard}; echo \"(exit $?)\"; sleep 60"
        self.session = TmuxSession("setup", command, height=80)
        self.screen = self.session.screen
        self.type = self.session.type
        self.wait_for = self.session.wait_for

    def tearDown(self):
        self.session.stop()
        super().tearDown()

    def test_the_wizard_checks_the_cluster_then_scaffolds_the_chosen_runbooks(self):
        self.wait_for("Which starter runbooks?")
        screen = self.screen()
        self.assertRegex(screen, r"ok +API server")
        self.assertRegex(screen, r"ok +CRD healthevents\.nvsentinel\.nvidia\.com")
        self.assertRegex(screen, r"warn +controllers")
        self.assertRegex(screen, r"gpu-node-0 +[a-z]+-[a-z]+ +8 +Ready")
        self.assertRegex(screen, r"ok +GPU nodes +2 \(2 Ready, 0 cordoned\)")
        self.assertIn("3) gpu-off-bus", screen)
        self.assertEqual(self.written(), [])

        self.type("gpu-off-bus,2", "Enter")
        self.wait_for("[y/N]")
        self.assertIn("for ecc-double-bit, gpu-off-bus into", self.screen())
        self.assertEqual(self.written(), [])  # nothing before the yes
        self.type("y", "Enter")
        self.wait_for("(exit 0)")
        self.assertIn("nvsx setup: done", self.screen())
        self.assertIn("ecc-double-bit.yaml", self.written())
        self.assertIn("gpu-off-bus.yaml", self.written())
        self.assertIn(os.path.join("hooks", "lib", "notify.sh"), self.written())
        listed = subprocess.run([NVSX, "--runbooks", self.runbooks, "list", "--plain"],
                                env=self.env, capture_output=True, text=True, timeout=60)
        self.assertEqual(listed.returncode, 0, listed.stderr)
        self.assertEqual(len(listed.stdout.splitlines()), 2)


class ScriptedSetupTest(SetupTest):
    def run_setup(self, *args):
        return subprocess.run(self.setup_command(*args), cwd=self.dir, env=self.env,
                              stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=120)

    def test_without_a_terminal_or_yes_it_explains_and_writes_nothing(self):
        result = self.run_setup()
        self.assertEqual(result.returncode, 2, result.stdout + result.stderr)
        self.assertIn("nothing was written", result.stdout)
        self.assertIn("nvsx setup --yes", result.stdout)
        self.assertFalse(os.path.exists(self.runbooks))

    def test_yes_and_select_scaffold_without_questions(self):
        result = self.run_setup("--yes", "--select", "inforom,thermal-throttle")
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("inforom.yaml", self.written())
        self.assertIn("thermal-throttle.yaml", self.written())
        self.assertNotIn("gpu-off-bus.yaml", self.written())
        again = self.run_setup("--yes", "--select", "inforom")
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertIn("there already", again.stdout)
        bad = self.run_setup("--yes", "--select", "nope")
        self.assertEqual(bad.returncode, 2)
        self.assertIn('--select: "nope" is not a starter runbook', bad.stderr)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v", *sys.argv[4:]])
