"""satscore._stats.threads: one reference-counted BLAS thread limit."""

from __future__ import annotations

import threading

from threadpoolctl import threadpool_info

from satscore._stats.threads import single_threaded_blas, with_single_threaded_blas


def _blas_threads() -> list[int]:
    return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]


def test_limit_is_one_inside_and_restored_after_nesting():
    before = _blas_threads()
    with single_threaded_blas():
        assert all(n == 1 for n in _blas_threads())
        with single_threaded_blas():
            assert all(n == 1 for n in _blas_threads())
        assert all(n == 1 for n in _blas_threads())  # the inner exit keeps the limit
    assert _blas_threads() == before


def test_decorator_and_concurrent_calls_share_one_limit():
    # OpenBLAS (pthreads) ignores a thread count set from a worker thread, so the limit is
    # taken here first; the worker's own (decorated) call must not lift it when it leaves
    before = _blas_threads()
    inside: list[list[int]] = []

    @with_single_threaded_blas
    def work() -> None:
        inside.append(_blas_threads())

    with single_threaded_blas():
        worker = threading.Thread(target=work)
        worker.start()
        worker.join()
        assert all(n == 1 for n in _blas_threads())  # the worker left first
    assert inside
    assert all(n == 1 for n in inside[0])
    assert _blas_threads() == before
