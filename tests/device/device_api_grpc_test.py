#!/usr/bin/python3
"""Drives `nvsentinel device-api` with an independent client: Debian's python3-grpcio.

Usage: device_api_grpc_test.py NVSENTINEL_BINARY PROTO_DIR
Stubs are generated from the proto at test time with grpc_tools (python3-grpc-tools).
"""
import os
import re
import stat
import subprocess
import sys
import tempfile
import time
import unittest

import grpc
from grpc_tools import protoc

NVSENTINEL, PROTO_DIR = sys.argv[1], sys.argv[2]
WORK = tempfile.mkdtemp(prefix="nvsx-device-test-")


def generate_stubs():
    proto = os.path.join(PROTO_DIR, "nvidia/device/v1alpha1/gpu.proto")
    include = os.path.join(os.path.dirname(protoc.__file__), "_proto")
    rc = protoc.main(["protoc", f"-I{PROTO_DIR}", f"-I{include}", f"--python_out={WORK}",
                      f"--grpc_python_out={WORK}", proto])
    if rc != 0:
        raise RuntimeError(f"grpc_tools.protoc failed with {rc}")
    sys.path.insert(0, WORK)


generate_stubs()
from nvidia.device.v1alpha1 import gpu_pb2, gpu_pb2_grpc  # noqa: E402


class Server:
    """A device-api process on 127.0.0.1, stopped by PID."""

    def __init__(self, *flags):
        self.socket = os.path.join(tempfile.mkdtemp(dir=WORK), "device.sock")
        self.proc = subprocess.Popen(
            [NVSENTINEL, "device-api", "--socket", self.socket, "--listen", "127.0.0.1:0",
             *flags], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()
        match = re.search(r"tcp=(\d+)", line)
        if not match:
            self.stop()
            raise RuntimeError(f"device-api did not start: {line!r}")
        self.port = int(match.group(1))
        # No BDP probing: a client that stops reading must fill its window and fall behind.
        self.channel = grpc.insecure_channel(f"127.0.0.1:{self.port}",
                                             options=[("grpc.http2.bdp_probe", 0)])
        self.stub = gpu_pb2_grpc.GpuServiceStub(self.channel)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.proc.stdout.close()


def make_gpu(name, index=0):
    gpu = gpu_pb2.Gpu()
    gpu.metadata.name = name
    gpu.spec.uuid = name.upper()
    gpu.spec.index = index
    gpu.spec.model = "NVIDIA H100 80GB HBM3"
    return gpu


def status(condition_status, message="", reason="Healthy"):
    s = gpu_pb2.GpuStatus(recommended_action="NONE")
    c = s.conditions.add()
    c.type, c.status, c.reason, c.message = "GpuPcieWatch", condition_status, reason, message
    return s


class DeviceApiTest(unittest.TestCase):
    def setUp(self):
        self.server = Server("--ready-timeout", "60s", "--watch-queue-limit", "8",
                             "--heartbeat-timeout", "1s", "--max-gpus", "4")
        self.stub = self.server.stub

    def tearDown(self):
        self.server.channel.close()
        self.server.stop()

    def create(self, name, index=0):
        return self.stub.CreateGpu(gpu_pb2.CreateGpuRequest(gpu=make_gpu(name, index)))

    def assertCode(self, code, call, *args):
        with self.assertRaises(grpc.RpcError) as caught:
            call(*args)
        self.assertEqual(caught.exception.code(), code, caught.exception.details())
        return caught.exception.details()

    def test_list_and_watch_wait_for_a_provider(self):
        details = self.assertCode(grpc.StatusCode.UNAVAILABLE, self.stub.ListGpus,
                                  gpu_pb2.ListGpusRequest())
        self.assertIn("no provider has registered", details)
        watch = self.stub.WatchGpus(gpu_pb2.WatchGpusRequest())
        self.assertCode(grpc.StatusCode.UNAVAILABLE, next, watch)
        self.create("gpu-0")
        listed = self.stub.ListGpus(gpu_pb2.ListGpusRequest())
        self.assertEqual([g.metadata.name for g in listed.gpu_list.items], ["gpu-0"])

    def test_create_is_idempotent_and_get_returns_the_gpu(self):
        first = self.create("gpu-0", index=3)
        self.assertTrue(first.created)
        self.assertEqual(first.gpu.resource_version, 1)
        again = self.create("gpu-0", index=3)
        self.assertFalse(again.created)
        self.assertEqual(again.gpu.resource_version, 1)
        got = self.stub.GetGpu(gpu_pb2.GetGpuRequest(name="gpu-0")).gpu
        self.assertEqual(got.spec.uuid, "GPU-0")
        self.assertEqual(got.spec.index, 3)
        self.assertEqual(got.metadata.resource_version, "1")
        self.assertCode(grpc.StatusCode.NOT_FOUND, self.stub.GetGpu,
                        gpu_pb2.GetGpuRequest(name="nope"))
        self.assertCode(grpc.StatusCode.INVALID_ARGUMENT, self.stub.CreateGpu,
                        gpu_pb2.CreateGpuRequest(gpu=gpu_pb2.Gpu()))

    def test_list_carries_every_gpu_and_the_resource_version(self):
        for i in range(3):
            self.create(f"gpu-{i}", i)
        listed = self.stub.ListGpus(gpu_pb2.ListGpusRequest()).gpu_list
        self.assertEqual(len(listed.items), 3)
        self.assertEqual(listed.metadata.resource_version, "3")

    def test_stale_resource_version_is_aborted(self):
        rv = self.create("gpu-0").gpu.resource_version
        updated = self.stub.UpdateGpuStatus(gpu_pb2.UpdateGpuStatusRequest(
            name="gpu-0", status=status("False"), resource_version=rv)).gpu
        self.assertEqual(updated.resource_version, rv + 1)
        details = self.assertCode(grpc.StatusCode.ABORTED, self.stub.UpdateGpuStatus,
                                  gpu_pb2.UpdateGpuStatusRequest(
                                      name="gpu-0", status=status("True"), resource_version=rv))
        self.assertIn("stale", details)
        stale_spec = make_gpu("gpu-0")
        stale_spec.resource_version = rv
        self.assertCode(grpc.StatusCode.ABORTED, self.stub.UpdateGpu,
                        gpu_pb2.UpdateGpuRequest(gpu=stale_spec))

    def test_transition_time_changes_only_when_the_status_does(self):
        self.create("gpu-0")
        first = self.stub.UpdateGpuStatus(gpu_pb2.UpdateGpuStatusRequest(
            name="gpu-0", status=status("False"))).gpu.status.conditions[0]
        time.sleep(0.01)
        same = self.stub.UpdateGpuStatus(gpu_pb2.UpdateGpuStatusRequest(
            name="gpu-0", status=status("False", "still fine"))).gpu.status.conditions[0]
        self.assertEqual(same.last_transition_time, first.last_transition_time)
        flipped = self.stub.UpdateGpuStatus(gpu_pb2.UpdateGpuStatusRequest(
            name="gpu-0", status=status("True", "XID 79", "GpuFellOffBus"))).gpu.status.conditions[0]
        self.assertGreater(flipped.last_transition_time.ToNanoseconds(),
                           first.last_transition_time.ToNanoseconds())

    def test_update_gpu_replaces_the_spec_and_keeps_the_status(self):
        self.create("gpu-0")
        self.stub.UpdateGpuStatus(gpu_pb2.UpdateGpuStatusRequest(name="gpu-0",
                                                                 status=status("False")))
        spec = make_gpu("gpu-0")
        spec.spec.pci_bus_id = "00000000:3B:00.0"
        updated = self.stub.UpdateGpu(gpu_pb2.UpdateGpuRequest(gpu=spec)).gpu
        self.assertEqual(updated.spec.pci_bus_id, "00000000:3B:00.0")
        self.assertEqual(updated.status.conditions[0].status, "False")
        self.assertCode(grpc.StatusCode.NOT_FOUND, self.stub.UpdateGpu,
                        gpu_pb2.UpdateGpuRequest(gpu=make_gpu("missing")))

    def test_watch_sends_existing_gpus_then_changes_then_deletes(self):
        self.create("gpu-0")
        self.create("gpu-1", 1)
        watch = self.stub.WatchGpus(gpu_pb2.WatchGpusRequest())
        initial = [next(watch) for _ in range(2)]
        self.assertEqual([(e.type, e.object.metadata.name) for e in initial],
                         [("ADDED", "gpu-0"), ("ADDED", "gpu-1")])
        self.stub.UpdateGpuStatus(gpu_pb2.UpdateGpuStatusRequest(name="gpu-1",
                                                                 status=status("True")))
        modified = next(watch)
        self.assertEqual((modified.type, modified.object.metadata.name), ("MODIFIED", "gpu-1"))
        self.assertEqual(modified.object.status.conditions[0].status, "True")
        self.stub.DeleteGpu(gpu_pb2.DeleteGpuRequest(name="gpu-0"))
        deleted = next(watch)
        self.assertEqual((deleted.type, deleted.object.metadata.name), ("DELETED", "gpu-0"))
        self.assertGreater(deleted.object.resource_version, modified.object.resource_version)
        self.assertCode(grpc.StatusCode.NOT_FOUND, self.stub.DeleteGpu,
                        gpu_pb2.DeleteGpuRequest(name="gpu-0"))
        watch.cancel()

    def test_slow_watcher_is_dropped_while_a_fast_one_keeps_receiving(self):
        self.create("gpu-0")
        slow = self.stub.WatchGpus(gpu_pb2.WatchGpusRequest())
        self.assertEqual(next(slow).type, "ADDED")  # then it stops reading
        fast = self.stub.WatchGpus(gpu_pb2.WatchGpusRequest())
        self.assertEqual(next(fast).type, "ADDED")
        # The fast watcher reads each update before the next is made, so it is
        # never behind however loaded the machine is; the slow one never reads
        # again, so it must be dropped without holding the fast one back.
        big = "x" * 16384  # large events fill the slow client's flow-control window quickly
        received = []
        for _ in range(200):
            rv = self.stub.UpdateGpuStatus(gpu_pb2.UpdateGpuStatusRequest(
                name="gpu-0", status=status("False", big))).gpu.resource_version
            event = next(fast)
            self.assertEqual((event.type, event.object.resource_version), ("MODIFIED", rv))
            received.append(rv)
        self.assertEqual(received, list(range(2, 202)))
        with self.assertRaises(grpc.RpcError) as caught:
            for _ in slow:
                pass
        self.assertEqual(caught.exception.code(), grpc.StatusCode.RESOURCE_EXHAUSTED)
        self.assertIn("list the GPUs again", caught.exception.details())
        fast.cancel()

    def test_silent_provider_turns_its_gpus_unknown(self):
        self.create("gpu-0")
        self.stub.UpdateGpuStatus(gpu_pb2.UpdateGpuStatusRequest(name="gpu-0",
                                                                 status=status("False")))
        beat = self.stub.Heartbeat(gpu_pb2.HeartbeatRequest(provider="hp/node-a",
                                                            gpu_names=["gpu-0"]))
        self.assertEqual(beat.timeout_seconds, 1)
        deadline = time.time() + 10
        condition = None
        while time.time() < deadline:
            condition = self.stub.GetGpu(gpu_pb2.GetGpuRequest(name="gpu-0")).gpu.status.conditions[0]
            if condition.status == "Unknown":
                break
            time.sleep(0.1)
        self.assertEqual(condition.status, "Unknown")
        self.assertEqual(condition.reason, "ProviderHeartbeatMissed")
        self.assertIn("hp/node-a", condition.message)
        self.assertCode(grpc.StatusCode.INVALID_ARGUMENT, self.stub.Heartbeat,
                        gpu_pb2.HeartbeatRequest())

    def test_gpu_limit_is_enforced(self):
        for i in range(4):
            self.create(f"gpu-{i}", i)
        details = self.assertCode(grpc.StatusCode.RESOURCE_EXHAUSTED, self.create, "gpu-4")
        self.assertIn("4 GPUs", details)

    def test_unix_socket_serves_with_mode_0660(self):
        self.create("gpu-0")
        mode = stat.S_IMODE(os.stat(self.server.socket).st_mode)
        self.assertEqual(mode, 0o660)
        with grpc.insecure_channel(f"unix:{self.server.socket}") as channel:
            listed = gpu_pb2_grpc.GpuServiceStub(channel).ListGpus(gpu_pb2.ListGpusRequest())
        self.assertEqual(len(listed.gpu_list.items), 1)


class DeviceApiFlagsTest(unittest.TestCase):
    def run_device_api(self, *flags):
        return subprocess.run([NVSENTINEL, "device-api", "--socket", "none", *flags],
                              capture_output=True, text=True, timeout=30)

    def test_remote_listen_needs_explicit_permission(self):
        result = self.run_device_api("--listen", "0.0.0.0:0")
        self.assertEqual(result.returncode, 2)
        self.assertIn("--allow-remote", result.stderr)

    def test_bad_flags_name_the_flag(self):
        result = self.run_device_api("--heartbeat-timeout", "10x")
        self.assertEqual(result.returncode, 2)
        self.assertIn("--heartbeat-timeout", result.stderr)
        result = self.run_device_api("--listen", "nohost")
        self.assertEqual(result.returncode, 2)
        self.assertIn("--listen", result.stderr)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
