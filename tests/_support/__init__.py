"""What the tests share: one loopback HTTP server (:mod:`.loopback`) and one headless Chromium
driver (:mod:`.chromium`). Test modules import it as ``_support`` (``tests/`` is on the path
through the root ``conftest.py``); inside the package, imports are relative."""
