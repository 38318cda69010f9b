"""The store on an object store: s3:// through fsspec/s3fs, against moto's S3 server on 127.0.0.1.

DuckDB queries the S3 files through pyarrow datasets on the fsspec filesystem (DuckDB's own httpfs
extension is a download this offline setup cannot make).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kalshi_nb.store import open_store


@pytest.fixture(scope="module")
def s3() -> Iterator[dict]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    import boto3

    boto3.client(
        "s3",
        endpoint_url=f"http://{host}:{port}",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    ).create_bucket(Bucket="kalshi-store")
    yield {
        "key": "testing",
        "secret": "testing",
        "client_kwargs": {"endpoint_url": f"http://{host}:{port}", "region_name": "us-east-1"},
    }
    server.stop()


def test_sync_read_and_query_on_s3(s3, tmp_path, client) -> None:
    import s3fs

    remote = open_store("s3://kalshi-store/history", **s3)
    written = remote.sync("KXBTC15M", datasets=("markets", "trades"), client=client, progress=False)
    local = open_store(tmp_path)
    local.sync("KXBTC15M", datasets=("markets", "trades"), client=client, progress=False)

    fs = s3fs.S3FileSystem(**s3)  # the objects are really there, in the hive layout
    keys = fs.find("kalshi-store/history/trades")
    assert keys and all("/date=" in k and "/series=KXBTC15M/" in k for k in keys)
    assert fs.exists("kalshi-store/history/_store/state.json")

    assert remote.df("trades").equals(local.df("trades"))
    assert len(remote.df("trades")) == written["trades"] > 0
    query = (
        "select series, date, count(*) as n, sum(count_fp) as volume from trades group by all order by date"
    )
    assert remote.sql(query).equals(local.sql(query))
    # Reopened from the URL alone, nothing is new.
    again = open_store("s3://kalshi-store/history", **s3)
    assert again.sync("KXBTC15M", datasets=("markets", "trades"), client=client, progress=False) == {
        "markets": 0,
        "trades": 0,
    }
