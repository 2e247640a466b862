"""The msticpy 3.0.2 side of benchmarks/bench_ti.py (run in a venv that has msticpy).

``python bench_ti_msticpy.py INPUT.json`` reads ``{"ports", "values", "keys"}``, points
msticpy's OTX, AbuseIPDB and GreyNoise providers (it has no CIRCL hashlookup provider) at the
loopback servers, runs ``TILookup.lookup_iocs`` over the values and prints one JSON line:
the wall time and the count of each ``Status`` (msticpy marks a refused lookup, e.g. a 429,
with a non-zero status).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

_PROVIDERS = (("OTX", "otx"), ("AbuseIPDB", "abuseipdb"), ("GreyNoise", "greynoise"))


def main() -> None:
    spec = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    ports, values, keys = spec["ports"], spec["values"], spec["keys"]
    config = Path(tempfile.mkdtemp()) / "msticpyconfig.yaml"
    config.write_text(
        "TIProviders:\n"
        + "".join(
            f"  {name}:\n    Args:\n      AuthKey: {keys[key]}\n    Primary: True\n"
            f"    Provider: {name}\n"
            for name, key in (
                ("OTX", "otx"),
                ("AbuseIPDB", "abuseipdb"),
                ("GreyNoise", "greynoise"),
            )
        ),
        encoding="utf-8",
    )
    os.environ["MSTICPYCONFIG"] = str(config)
    from msticpy.context.tilookup import TILookup
    from msticpy.context.tiproviders import abuseipdb, alienvault_otx, greynoise

    alienvault_otx.OTX._BASE_URL = f"http://127.0.0.1:{ports['otx']}"
    abuseipdb.AbuseIPDB._BASE_URL = f"http://127.0.0.1:{ports['abuseipdb']}/"
    greynoise.GreyNoise._BASE_URL = f"http://127.0.0.1:{ports['greynoise']}"
    lookup = TILookup(providers=["OTX", "AbuseIPDB", "GreyNoise"])
    started = time.perf_counter()
    frame = lookup.lookup_iocs(values)
    elapsed = time.perf_counter() - started
    statuses = {str(k): int(v) for k, v in frame["Status"].value_counts().items()}
    results = {str(k): int(v) for k, v in frame["Result"].value_counts().items()}
    print(
        json.dumps(
            {
                "seconds": round(elapsed, 2),
                "rows": len(frame),
                "status_counts": statuses,
                "result_counts": results,
            }
        )
    )


if __name__ == "__main__":
    main()
