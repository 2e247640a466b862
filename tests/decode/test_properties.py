"""Property tests: unpack never raises and always terminates, on any text or bytes."""

from __future__ import annotations

import base64
import gzip

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from asisdk.decode import DecodeLimits, Unpacked, unpack

SMALL = DecodeLimits(max_decompressed_bytes=64 * 1024, max_layers=32, max_input_chars=20_000)
SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])

B64_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_%\r\n ,"


def check_invariants(source: str | None, result: Unpacked) -> None:
    assert isinstance(result.text, str)
    texts: dict[str | None, str | None] = {None: source}
    for number, layer in enumerate(result.layers):
        texts[layer.index] = layer.text
        assert layer.depth == layer.index.count(".") + 1
        assert layer.parent == (layer.index.rpartition(".")[0] or None)
        assert 0 <= layer.start <= layer.end
        parent_text = texts.get(layer.parent)
        if parent_text is not None and layer.source:
            assert parent_text[layer.start : layer.end] == layer.source
        if number:
            assert result.layers[number - 1].index != layer.index


@SETTINGS
@given(st.text(max_size=2000))
def test_any_text(text: str) -> None:
    check_invariants(text, unpack(text, limits=SMALL))


@SETTINGS
@given(st.text(alphabet=B64_ALPHABET, min_size=10, max_size=3000))
def test_base64_alphabet_soup(text: str) -> None:
    check_invariants(text, unpack(text, limits=SMALL))


@SETTINGS
@given(st.binary(max_size=4000))
def test_any_bytes(data: bytes) -> None:
    check_invariants(None, unpack(data, limits=SMALL))


@SETTINGS
@given(st.binary(min_size=1, max_size=2000), st.integers(min_value=0, max_value=400))
def test_corrupted_compressed_payloads(data: bytes, cut: int) -> None:
    stream = gzip.compress(data)
    for blob in (
        stream[: max(1, len(stream) - cut)],
        stream[:cut] + bytes(max(0, len(stream) - cut)),
    ):
        text = "x " + base64.b64encode(blob).decode()
        check_invariants(text, unpack(text, limits=SMALL))


@SETTINGS
@given(st.text(min_size=4, max_size=200), st.integers(min_value=1, max_value=8))
def test_nested_base64_round_trips(payload: str, levels: int) -> None:
    chain = [payload]
    for _ in range(levels):
        chain.append(base64.b64encode(chain[-1].encode()).decode())
    text = f"< {chain[-1]} >"
    result = unpack(text, limits=SMALL)
    check_invariants(text, result)
    assert len(result.layers) <= levels
    parts = {part for level in chain[1:] if "/" in level for part in level.split("/")}
    if any(layer.source in parts and layer.source not in chain for layer in result.layers):
        # A block that does not decode whole is tried in its "/"-separated parts (how a URL
        # path around a token is read), so one part decoded alone: by design.
        return
    # Decoding peels the chain down to some level (all the way when the payload is text).
    assert any(f"< {level} >" == result.text for level in chain)
