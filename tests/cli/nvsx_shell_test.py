#!/usr/bin/python3
"""The nvsx shell driven through tmux as a person would: typing, tab completion,
the prompt that follows `use`, and quit.
Usage: nvsx_shell_test.py NVSX_BINARY SOURCE_DIR"""
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test_support"))
from tmux_session import TmuxSession  # noqa: E402

NVSX, SOURCE = sys.argv[1], sys.argv[2]


class ShellTest(unittest.TestCase):
    ARGS = []  # after the global flags: `nvsx` alone opens the shell

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="nvsx-shell-")
        command = " ".join([
            "env", f"HOME={self.dir}", f"NVSX_STATE_DIR={self.dir}/state",
            f"KUBECONFIG={self.dir}/missing", "TERM=xterm",
            NVSX, "--runbooks", os.path.join(SOURCE, "runbooks"), *self.ARGS])
        self.session = TmuxSession("shell", command)
        self.screen = self.session.screen
        self.type = self.session.type
        self.wait_for = self.session.wait_for
        self.wait_for("nvsx>")

    def tearDown(self):
        self.session.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_a_session(self):
        self.type("list", "Enter")
        self.wait_for("gpu-off-bus")
        self.assertIn("thermal-throttle", self.screen())

        self.type("us", "Tab")
        self.wait_for("nvsx> use")
        self.type("gpu-o", "Tab")
        self.wait_for("nvsx> use gpu-off-bus")
        self.type("Enter")
        self.wait_for("nvsx (gpu-off-bus)>")

        self.type("show", "Enter")
        self.wait_for("watch   healthevent check=GpuPcieWatch xid=79")

        self.type("run --dry-run --target-node gpu-node-1 --plain", "Enter")
        self.wait_for('"result":"dry-run"')
        self.wait_for("(exit 0)")

        self.type("status", "Enter")
        self.wait_for("runbook: gpu-off-bus")

        self.type("frobnicate", "Enter")
        self.wait_for('unknown command "frobnicate"; try: help')

        self.type("Up", "Up", "Enter")  # history recalls `status`, two lines back
        deadline = time.monotonic() + 20
        while self.screen().count("runbook: gpu-off-bus") < 2:
            self.assertLess(time.monotonic(), deadline, self.screen())
            time.sleep(0.05)
        self.type("quit", "Enter")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if subprocess.run(["tmux", "-L", self.session.socket, "has-session", "-t", "shell"],
                              capture_output=True).returncode != 0:
                break
            time.sleep(0.05)
        else:
            self.fail("the shell did not end on quit")
        with open(os.path.join(self.dir, "state", "shell_history")) as f:
            self.assertIn("status", f.read())


class ShellCommandTest(ShellTest):
    """`nvsx shell` opens the same shell."""
    ARGS = ["shell"]


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v", *sys.argv[3:]])
