"""`nvsentinel sim` for Python tests: started by the test on 127.0.0.1 (port
picked by the sim), waited for until it prints its banner, stopped by PID."""
import re
import subprocess


class SimProcess:
    def __init__(self, nvsentinel, cwd, *args):
        """Starts `nvsentinel sim ARGS` in `cwd`; returns once it serves."""
        self.process = subprocess.Popen([nvsentinel, "sim", *args], cwd=cwd,
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                        text=True)
        banner = ""
        while "kubectl get nodes" not in banner:
            line = self.process.stdout.readline()
            if not line:
                self.process.wait(timeout=10)
                raise RuntimeError(f"nvsentinel sim ended before serving: {banner!r}")
            banner += line
        self.kubeconfig = re.search(r"export KUBECONFIG=(\S+)", banner).group(1)

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)
        self.process.stdout.close()
