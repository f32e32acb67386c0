"""Reads every closed hour's Parquet file of an analytics directory with pyarrow (an
independent reader) and checks it holds exactly the rows of the hour's NDJSON file.

Usage: python parquet_matches_ndjson.py DIR   (prints "pyarrow: N files, M rows match")
"""

import datetime
import json
import pathlib
import sys

import pyarrow.parquet as pq


def main(directory: str) -> int:
    files = sorted(pathlib.Path(directory).glob("events-*.parquet"))
    if not files:
        print(f"no Parquet file in {directory}", file=sys.stderr)
        return 1
    rows = 0
    for parquet in files:
        table = pq.read_table(parquet)
        assert table.column_names == ["id", "type", "ts", "data", "metadata"], table.column_names
        assert str(table.schema.field("ts").type) == "timestamp[ms, tz=UTC]", table.schema
        got = table.to_pylist()
        lines = parquet.with_suffix(".ndjson").read_text().splitlines()
        want = [json.loads(line) for line in lines]
        assert len(got) == len(want), f"{parquet}: {len(got)} rows, {len(want)} lines"
        for g, w in zip(got, want):
            assert g["id"] == w["id"] and g["type"] == w["type"], (g, w)
            ts = g["ts"].astimezone(datetime.timezone.utc)
            assert ts.isoformat(timespec="milliseconds").replace("+00:00", "Z") == w["ts"], (g, w)
            assert json.loads(g["data"]) == w["data"], (g, w)
            assert json.loads(g["metadata"]) == w["metadata"], (g, w)
        rows += len(got)
    print(f"pyarrow: {len(files)} files, {rows} rows match")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
