#!/usr/bin/python3
"""The nvsx shell driven through tmux as a person would: typing, tab completion,
the prompt that follows `use`, and quit.
Usage: nvsx_shell_test.py NVSX_BINARY SOURCE_DIR"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

NVSX, SOURCE = sys.argv[1], sys.argv[2]


class ShellTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="nvsx-shell-")
        self.socket = f"nvsx-test-{os.getpid()}"
        command = " ".join([
            "env", f"HOME={self.dir}", f"NVSX_STATE_DIR={self.dir}/state",
            f"KUBECONFIG={self.dir}/missing", "TERM=xterm",
            NVSX, "--runbooks", os.path.join(SOURCE, "runbooks")])
        self.tmux("new-session", "-d", "-s", "nvsx", "-x", "200", "-y", "60", command)
        self.server_pid = int(self.tmux("display-message", "-p", "#{pid}").strip())
        self.wait_for("nvsx>")

    def tearDown(self):
        try:
            os.kill(self.server_pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)

    def tmux(self, *args, check=True):
        result = subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True,
                                text=True, timeout=30)
        if check:
            self.assertEqual(result.returncode, 0, result.stderr)
        return result.stdout

    def screen(self):
        return self.tmux("capture-pane", "-p", "-t", "nvsx", "-S", "-200")

    def wait_for(self, text, limit=20):
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if text in self.screen():
                return
            time.sleep(0.05)
        self.fail(f"{text!r} never appeared; the screen:\n{self.screen()}")

    def type(self, *keys):
        self.tmux("send-keys", "-t", "nvsx", *keys)

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
            if subprocess.run(["tmux", "-L", self.socket, "has-session", "-t", "nvsx"],
                              capture_output=True).returncode != 0:
                break
            time.sleep(0.05)
        else:
            self.fail("the shell did not end on quit")
        with open(os.path.join(self.dir, "state", "shell_history")) as f:
            self.assertIn("status", f.read())


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v", *sys.argv[3:]])
