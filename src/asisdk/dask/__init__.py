"""Run the transforms on a Dask cluster (extra ``dask``: ``pip install 'asisdk[dask]'``).

Two ways in, both with the same results as the pandas functions:

* **An executor.** Every ``executor=`` parameter of asisdk accepts a Dask cluster's
  ``distributed.Client(...).get_executor()``; :func:`executor_for` connects to a scheduler
  address and yields one. Data starts and ends in this process; chunks run on the cluster.
* **Dask DataFrames.** :func:`unpack_frame`, :func:`extract_frame` and
  :func:`add_process_features` map the pandas functions over partitions and return lazy
  Dask DataFrames with the pandas columns and dtypes. :func:`group_patterns` mines templates
  per partition and merges them into one global id space; :func:`cluster_events` runs
  DBSCAN on the distinct feature vectors of all partitions.

Importing :mod:`asisdk` never imports Dask; importing this package does.

Examples:
    >>> import dask.dataframe as dd, pandas as pd
    >>> from asisdk.dask import extract_frame
    >>> events = dd.from_pandas(pd.DataFrame({"cmd": ["curl hxxp://evil[.]com/x"]}),
    ...                         npartitions=1)
    >>> extract_frame(events, "cmd", types=["url"])["observable"].compute().tolist()
    ['http://evil.com/x']
"""

from __future__ import annotations

from asisdk.dask import _imports

_imports.import_dask_dataframe()  # fail here, with the install hint, when the extra is missing

from asisdk.dask._cluster import DaskClusterResult, cluster_events  # noqa: E402
from asisdk.dask._executor import executor_for  # noqa: E402
from asisdk.dask._frames import add_process_features, extract_frame, unpack_frame  # noqa: E402
from asisdk.dask._patterns import DaskPatternGroups, group_patterns  # noqa: E402

__all__ = [
    "DaskClusterResult",
    "DaskPatternGroups",
    "add_process_features",
    "cluster_events",
    "executor_for",
    "extract_frame",
    "group_patterns",
    "unpack_frame",
]
