"""Distributed data-parallel training (2 processes, gloo, localhost) equals one process on the
full batch, and when one process fails mid-step the other ends with an error in bounded time.
Runs in fresh interpreters: process groups are process state."""

import sys
import textwrap

import pytest

from tests.fresh import run_python

SCRIPT = textwrap.dedent(
    """
    import os
    import socket
    import sys

    import torch
    import torch.distributed as dist
    import torch.multiprocessing as mp
    from torch import nn
    from torch.nn.parallel import DistributedDataParallel

    import equidiag as ed


    def make_model():
        torch.manual_seed(0)
        G = ed.SymmetricGroup()
        return nn.Sequential(
            ed.EquivariantLinear(G, 2, 2, 2, 4, normalize="mean", dtype=torch.float64),
            nn.ReLU(),
            ed.EquivariantLinear(G, 2, 0, 4, 1, normalize="mean", dtype=torch.float64),
        )


    def data():
        g = torch.Generator().manual_seed(1)
        x = torch.randn(8, 2, 5, 5, generator=g, dtype=torch.float64)
        return x, x.sum(dim=(1, 2, 3)).unsqueeze(1).tanh()


    def train(model, x, y, steps=4):
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        for _ in range(steps):
            optimizer.zero_grad()
            ((model(x) - y) ** 2).mean().backward()
            optimizer.step()


    def worker(rank, world, port, out):
        dist.init_process_group(
            "gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world
        )
        model = DistributedDataParallel(make_model())
        x, y = data()
        shard = slice(rank * 4, rank * 4 + 4)
        train(model, x[shard], y[shard])
        flat = torch.cat([p.detach().reshape(-1) for p in model.parameters()])
        gathered = [torch.empty_like(flat) for _ in range(world)]
        dist.all_gather(gathered, flat)
        assert torch.equal(gathered[0], gathered[1]), "ranks disagree"
        if rank == 0:
            torch.save(flat, out)
        dist.barrier()  # both ranks done with gloo before either tears it down
        dist.destroy_process_group()
        # skip interpreter teardown, where gloo's threads occasionally abort ("terminate
        # called without an active exception") after the work is done
        sys.stdout.flush()
        os._exit(0)


    if __name__ == "__main__":
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        out = sys.argv[1]
        mp.spawn(worker, args=(2, port, out), nprocs=2, join=True)
        single = make_model()
        train(single, *data())
        expected = torch.cat([p.detach().reshape(-1) for p in single.parameters()])
        torch.testing.assert_close(torch.load(out), expected, atol=1e-12, rtol=0)
        print("distributed ok")
    """
)


@pytest.mark.slow  # (two ranks started as processes)
def test_ddp_on_two_processes_equals_one_process_on_the_full_batch(tmp_path):
    script = tmp_path / "ddp.py"
    script.write_text(SCRIPT)
    assert "distributed ok" in run_python(str(script), str(tmp_path / "params.pt"))


# When one rank fails mid-step, the other ("the survivor") is blocked in the gradient all-reduce
# of that step. The launcher below imports torch and equidiag and builds the model once, then
# forks the 8 ranks of four independent 2-process groups (gloo on 127.0.0.1, each group with its
# own TCPStore on a free port), so that the whole test takes a few seconds on 2 cores; an
# uncaught exception ends a rank as it ends a script (traceback, interpreter teardown, status 1).
# For each group it checks that the survivor's step raises a RuntimeError and that its process
# ends with an error (status 1; SIGABRT from gloo's threads at teardown would count too) within
# the stated time of the peer's failure:
# - the peer's process ends (a layer raises, os._exit, SIGKILL): within MARGIN, although the
#   process-group timeout is 60 s (gloo sees the closed connection at once);
# - the peer raised but its process lives on (a non-daemon thread): only the process-group
#   timeout (2 s) ends the wait, so within timeout + MARGIN, and not much before the timeout.
FAILURE_SCRIPT = textwrap.dedent(
    r"""
    import ctypes
    import datetime
    import gc
    import os
    import signal
    import sys
    import threading
    import time
    import warnings

    import torch
    import torch.distributed as dist
    from torch import nn
    from torch.nn.parallel import DistributedDataParallel

    import equidiag as ed

    MARGIN = 20.0  # seconds; measured 1-3 s from the failure to the survivor's exit (2 busy cores)
    FAIL_STEP = 2
    # scenario: (failing rank, process-group timeout in seconds)
    SCENARIOS = {
        "raise": (1, 60.0),  # a layer raises: the traceback ends the peer's process
        "exit": (1, 60.0),  # os._exit(1) in the forward pass
        "sigkill": (0, 60.0),  # SIGKILL in the forward pass; rank 0 also hosts the store
        "linger": (1, 2.0),  # a layer raises, a non-daemon thread keeps the process alive
    }
    LONG = datetime.timedelta(seconds=60)


    def record(out, scenario, rank, event, detail=""):
        path = os.path.join(out, f"{scenario}-{rank}.events")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        os.write(fd, f"{event} {time.monotonic()!r} {detail}\n".encode())
        os.close(fd)


    def events(out, scenario, rank):
        path = os.path.join(out, f"{scenario}-{rank}.events")
        if not os.path.exists(path):
            return {}
        with open(path) as f:
            return {e: (float(t), d) for e, t, d in (line.split(" ", 2) for line in f)}


    class Failure(nn.Module):
        # fails in the forward pass of step FAIL_STEP, between two equivariant layers
        def __init__(self):
            super().__init__()
            self.how, self.note, self.step = None, None, 0

        def forward(self, x):
            if self.how is not None and self.step == FAIL_STEP:
                self.note("fail")
                if self.how == "exit":
                    os._exit(1)
                if self.how == "sigkill":
                    os.kill(os.getpid(), signal.SIGKILL)
                if self.how == "linger":
                    threading.Thread(target=threading.Event().wait, args=(120,)).start()
                raise RuntimeError(f"failing on purpose ({self.how})")
            return x


    def worker(model, scenario, rank, out, port_in, port_out):
        failing, timeout = SCENARIOS[scenario]
        torch.set_num_threads(1)
        failure = model[2]
        if rank == failing:
            failure.how = scenario
        failure.note = lambda event: record(out, scenario, rank, event)
        if rank == 0:
            store = dist.TCPStore(
                "127.0.0.1", 0, 2, is_master=True, timeout=LONG, wait_for_workers=False
            )
            os.write(port_out, str(store.port).encode())
        else:
            os.close(port_out)
            store = dist.TCPStore("127.0.0.1", int(os.read(port_in, 16)), 2, timeout=LONG)
        # both ranks arrive before the (short) process-group timeout starts to count
        if store.add("arrived", 1) == 2:
            store.set("go", "")
        store.wait(["go"])
        dist.init_process_group(
            "gloo",
            store=store,
            rank=rank,
            world_size=2,
            timeout=datetime.timedelta(seconds=timeout),
        )
        ddp = DistributedDataParallel(model)
        optimizer = torch.optim.SGD(ddp.parameters(), lr=0.1)
        x, y = torch.randn(4, 2, 5, 5), torch.randn(4, 1)
        for step in range(FAIL_STEP + 1):
            failure.step = step
            optimizer.zero_grad()
            try:
                ((ddp(x) - y) ** 2).mean().backward()
            except RuntimeError as error:
                if rank != failing:
                    record(out, scenario, rank, "error", f"{step} {type(error).__name__}")
                raise
            optimizer.step()
        record(out, scenario, rank, "finished")


    def main(out):
        libc = ctypes.CDLL(None)
        torch.manual_seed(0)
        G = ed.SymmetricGroup()
        # built once here (0.8 s) rather than in each rank; no tensor operation before forking
        layers = ed.EquivariantLinear(G, 2, 2, 2, 4), ed.EquivariantLinear(G, 2, 0, 4, 1)
        model = nn.Sequential(layers[0], nn.ReLU(), Failure(), layers[1])
        gc.freeze()  # the ranks' garbage collections leave the launcher's objects alone
        children = {}
        for scenario in SCENARIOS:
            port_in, port_out = os.pipe()
            for rank in (0, 1):
                sys.stdout.flush()
                sys.stderr.flush()
                with warnings.catch_warnings():
                    # Python >= 3.12 warns when forking beside threads: here only BLAS's idle
                    # pool, which OpenBLAS shuts down around fork()
                    warnings.simplefilter("ignore", DeprecationWarning)
                    pid = os.fork()
                if pid == 0:
                    libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: end with the launcher
                    log = os.path.join(out, f"{scenario}-{rank}.log")
                    log = os.open(log, os.O_WRONLY | os.O_CREAT)
                    os.dup2(log, 1)
                    os.dup2(log, 2)
                    # an exception propagates from here and ends the process like a script's
                    worker(model, scenario, rank, out, port_in, port_out)
                    sys.exit(0)
                children[pid] = (scenario, rank)
            os.close(port_in)
            os.close(port_out)
        survivors = {p for p, (s, r) in children.items() if r != SCENARIOS[s][0]}
        exits = {}
        try:
            deadline = time.monotonic() + 45
            while survivors - exits.keys() and time.monotonic() < deadline:
                pid, status = os.waitpid(-1, os.WNOHANG)
                if pid == 0:
                    time.sleep(0.01)
                else:
                    exits[pid] = (time.monotonic(), os.waitstatus_to_exitcode(status))
        finally:
            for pid in children.keys() - exits.keys():
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
        report, failed = [], []
        for pid in sorted(survivors, key=lambda p: children[p]):
            scenario, rank = children[pid]
            failing, timeout = SCENARIOS[scenario]
            bound = (timeout if scenario == "linger" else 0.0) + MARGIN
            fail = events(out, scenario, failing).get("fail")
            error = events(out, scenario, rank).get("error")
            ended, code = exits.get(pid, (None, None))
            seconds = None if fail is None or ended is None else ended - fail[0]
            ok = (
                seconds is not None
                and seconds <= bound
                and (scenario != "linger" or seconds >= timeout / 2)
                and code != 0
                and error is not None
                and error[1].split() == [str(FAIL_STEP), "RuntimeError"]
            )
            report.append(
                f"{scenario}: survivor (rank {rank}) exit code {code}, "
                f"{'-' if seconds is None else f'{seconds:.2f}'} s after the failure "
                f"(bound {bound:.0f} s), step error {error and error[1].strip()}"
            )
            if not ok:
                with open(os.path.join(out, f"{scenario}-{rank}.log")) as f:
                    failed.append(f"{report[-1]}\n{f.read()[-1500:]}")
        print("\n".join(report))
        assert not failed, "\n\n".join(failed)
        print("survivors ok")


    if __name__ == "__main__":
        main(sys.argv[1])
    """
)


@pytest.mark.slow
@pytest.mark.skipif(sys.platform != "linux", reason="forks the ranks; uses prctl")
def test_survivor_of_a_failed_rank_exits_with_an_error_in_bounded_time(tmp_path):
    script = tmp_path / "failure.py"
    script.write_text(FAILURE_SCRIPT)
    output = run_python(str(script), str(tmp_path), timeout=180)
    assert "survivors ok" in output, output
