"""Where independent fits run: here (one after the other, or on a few local processes), or on
an existing Dask cluster.

Both go through joblib, the Dask side through its `dask` backend (a `distributed.Client` on
`compute.scheduler`), so a search or a backtest is written once. Results come back in
submission order whatever finishes first, and each task fits with one BLAS/OpenMP thread: a
run on the cluster gives the local run's results to the last digit.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from joblib import Parallel, delayed, parallel_config

from energy_forecast.core.errors import InputError
from energy_forecast.runtime.settings import PARAMS_FILE, ComputeSettings
from energy_forecast.runtime.stage import single_threaded

# Seconds to wait for the scheduler before saying it does not answer.
CONNECT_TIMEOUT = 10


@contextlib.contextmanager
def tasks(
    settings: ComputeSettings, shared: tuple[Any, ...] = (), local_workers: int = 1
) -> Iterator[Callable[[Iterable[tuple]], Iterator[Any]]]:
    """Yield `run`: `run((function, *args) for ...)` gives each call's result, in order.

    `shared` are arguments every call takes (the training days): a cluster receives them once.
    `local_workers` processes run the calls with the `local` backend (1: this one).
    """

    def run_with(parallel: Parallel) -> Callable[[Iterable[tuple]], Iterator[Any]]:
        def run(calls: Iterable[tuple]) -> Iterator[Any]:
            return parallel(delayed(single_threaded)(*call) for call in calls)

        return run

    if settings.backend == "local":
        yield run_with(Parallel(n_jobs=local_workers, return_as="generator"))
        return
    from distributed import Client

    try:
        client = Client(settings.scheduler, timeout=CONNECT_TIMEOUT)
    except OSError as err:
        raise InputError(
            f"compute.scheduler: no Dask scheduler answers at {settings.scheduler} ({err}); "
            "start one (dask scheduler) or set compute.backend: local",
            source=PARAMS_FILE,
        ) from None
    with client, parallel_config(backend="dask", scatter=list(shared) or None):
        # Every task submitted at once, one per call: the scheduler balances fits of unequal
        # cost across the workers (joblib's default batches starve a small cluster).
        yield run_with(Parallel(n_jobs=-1, return_as="generator", batch_size=1, pre_dispatch="all"))
