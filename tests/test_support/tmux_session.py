"""A program run in a detached tmux session, driven as a person would:
keys sent, the screen read back. The tmux server is private to the test
(its own socket) and stopped by its PID."""
import os
import signal
import subprocess
import time


class TmuxSession:
    def __init__(self, name, command, width=200, height=60):
        """Starts `command` (a shell command line) in session `name`."""
        self.name = name
        self.socket = f"nvsx-{name}-{os.getpid()}"
        self.tmux("new-session", "-d", "-s", name, "-x", str(width), "-y", str(height), command)
        self.server_pid = int(self.tmux("display-message", "-p", "#{pid}").strip())

    def tmux(self, *args):
        result = subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True,
                                text=True, timeout=30)
        if result.returncode != 0:
            raise RuntimeError(f"tmux {' '.join(args)}: {result.stderr}")
        return result.stdout

    def screen(self, history=200):
        return self.tmux("capture-pane", "-p", "-t", self.name, "-S", f"-{history}")

    def wait_for(self, text, limit=30, history=200):
        """The screen once `text` is on it; AssertionError with the screen otherwise."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            screen = self.screen(history)
            if text in screen:
                return screen
            time.sleep(0.05)
        raise AssertionError(f"{text!r} never appeared; the screen:\n{self.screen(history)}")

    def type(self, *keys):
        self.tmux("send-keys", "-t", self.name, *keys)

    def stop(self):
        try:
            os.kill(self.server_pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
