"""Distributed data-parallel training (2 processes, gloo, localhost) equals one process on the
full batch. Runs in fresh interpreters: process groups are process state."""

import textwrap

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


def test_ddp_on_two_processes_equals_one_process_on_the_full_batch(tmp_path):
    script = tmp_path / "ddp.py"
    script.write_text(SCRIPT)
    assert "distributed ok" in run_python(str(script), str(tmp_path / "params.pt"))
