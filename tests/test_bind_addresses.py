"""Servers started by leadsim listen on this computer only unless asked otherwise: the app's
default host and every socket of a ``--cluster local`` Dask cluster are on 127.0.0.1."""

from __future__ import annotations


def test_dask_local_cluster_listens_on_localhost_only():
    """Scheduler, workers, nannies and the dashboard of ``--cluster local`` listen on 127.0.0.1
    only: nothing of a sweep is reachable from the network."""
    import psutil

    from sim.sweep.backends import make_backend
    backend = make_backend("dask-local", workers=1)
    try:
        info = backend.client.scheduler_info()
        assert info["address"].startswith("tcp://127.0.0.1:")
        assert all(addr.startswith("tcp://127.0.0.1:") for addr in info["workers"])
        me = psutil.Process()
        listening = [c.laddr for p in (me, *me.children(recursive=True))
                     for c in p.net_connections(kind="inet") if c.status == psutil.CONN_LISTEN]
        assert len(listening) >= 3                      # scheduler, dashboard, worker, nanny
        assert all(addr.ip == "127.0.0.1" for addr in listening), listening
    finally:
        backend.close()


def test_app_listens_on_localhost_by_default():
    from sim.cli import build_parser
    from sim.cli.app import DEFAULT_HOST, solara_command
    args = build_parser().parse_args(["app"])
    assert args.host == DEFAULT_HOST == "127.0.0.1"
    cmd = solara_command(args.port, args.host)
    assert cmd[cmd.index("--host") + 1] == "127.0.0.1"
