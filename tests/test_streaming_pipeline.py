"""The chunked pipeline of the command line: read-ahead thread, order, errors."""

from __future__ import annotations

import concurrent.futures
import threading

import pandas as pd
import pytest

from invsl.tools import io
from invsl.tools.io.chunks import prefetch


def test_prefetch_keeps_order_and_reads_ahead_in_another_thread():
    main = threading.get_ident()
    readers = []

    def chunks():
        for i in range(5):
            readers.append(threading.get_ident())
            yield i

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        assert list(prefetch(chunks(), pool)) == [0, 1, 2, 3, 4]
    assert readers and all(r != main for r in readers)


def test_prefetch_raises_the_readers_error_where_the_chunk_would_be():
    def chunks():
        yield 1
        raise io.TableError("broken in the middle")

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        got = []
        with pytest.raises(io.TableError, match="broken in the middle"):
            for item in prefetch(chunks(), pool):
                got.append(item)
    assert got == [1]


def test_unreadable_chunk_mid_file_writes_nothing(tmp_path):
    # a CSV whose 30th row has a stray quote: the reader fails after the first chunks
    rows = ["sku,demand_mean,demand_std,lead_time,order_quantity"]
    rows += [f"{i},10,3,2,20" for i in range(40)]
    rows[30] = '29,10,"3,2,20'
    src = tmp_path / "in.csv"
    src.write_text("\n".join(rows) + "\n")
    dst = tmp_path / "out.csv"
    with pytest.raises(io.TableError):
        io.run_file("optimize", src, dst, chunk_rows=5)
    assert not dst.exists()
    assert not list(tmp_path.glob(".out.csv.*"))  # no temporary file left behind


def test_chunked_run_equals_one_chunk(tmp_path):
    df = pd.DataFrame(
        {
            "sku": range(17),
            "demand_mean": [10.0 + i for i in range(17)],
            "demand_std": 3.0,
            "lead_time": 2.0,
            "order_quantity": 25.0,
        }
    )
    src = tmp_path / "in.csv"
    df.to_csv(src, index=False)
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    io.run_file("optimize", src, a, chunk_rows=2)
    io.run_file("optimize", src, b, chunk_rows=100)
    assert a.read_bytes() == b.read_bytes()
