"""eval_mode and frozen_parameters hand the module back as found, also when blocks overlap."""

from __future__ import annotations

import threading

from torch import nn

from deepling.models.state import eval_mode, frozen_parameters


def _net() -> nn.Module:
    net = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    net[1].weight.requires_grad_(False)  # the user's own choice, to be kept
    return net


def _flags(net: nn.Module) -> list[bool]:
    return [p.requires_grad for p in net.parameters()]


def test_overlapping_freezes_restore_the_users_flags_whatever_order_they_exit() -> None:
    net = _net()
    before = _flags(net)
    first = frozen_parameters(net)
    second = frozen_parameters(net)
    first.__enter__()
    second.__enter__()
    assert not any(_flags(net))
    first.__exit__(None, None, None)  # the first block exits first: still held by the second
    assert not any(_flags(net))
    second.__exit__(None, None, None)
    assert _flags(net) == before


def test_freezes_from_many_threads_leave_the_flags_as_found() -> None:
    net = _net()
    before = _flags(net)
    barrier = threading.Barrier(8)

    def work() -> None:
        for _ in range(50):
            with frozen_parameters(net):
                if _ == 0:
                    barrier.wait(timeout=10)
                assert not any(_flags(net))

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert _flags(net) == before


def test_frozen_parameters_restore_after_an_error() -> None:
    net = _net()
    before = _flags(net)
    try:
        with frozen_parameters(net):
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert _flags(net) == before


def test_eval_mode_restores_each_modules_own_flag() -> None:
    net = _net()
    net.train()
    net[0].eval()
    with eval_mode(net):
        assert not any(m.training for m in net.modules())
    assert [m.training for m in net.modules()] == [True, False, True]


def test_overlapping_eval_modes_keep_eval_until_the_last_exits() -> None:
    net = _net()
    net.train()
    first, second = eval_mode(net), eval_mode(net)
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)  # another thread's block still runs: stay in eval mode
    assert not any(m.training for m in net.modules())
    second.__exit__(None, None, None)
    assert all(m.training for m in net.modules())
