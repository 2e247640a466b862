"""KQL string literals, shared by the query library and the Sigma-to-KQL rewriting.

Every user value that enters a query as a string goes through :func:`kql_string`, here below
both ``asisdk.queries`` (which renders templates with it and is where users find it) and
``asisdk.sigma`` (which re-writes the literals of generated KQL with it).
"""

from __future__ import annotations

from asisdk.errors import QueryParameterError

__all__ = ["MAX_STRING_LENGTH", "kql_string"]

#: Longest string value accepted (a query parameter, not a document).
MAX_STRING_LENGTH = 32_768

_ESCAPES = {"\\": "\\\\", '"': '\\"', "'": "\\'", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def kql_string(value: str) -> str:
    """A KQL string literal holding exactly ``value``.

    Examples:
        >>> print(kql_string("x' or 1==1 //"))
        "x\\' or 1==1 //"
        >>> print(kql_string('C:\\\\Windows\\\\cmd.exe "quoted"'))
        "C:\\\\Windows\\\\cmd.exe \\"quoted\\""

    Raises:
        QueryParameterError: the value is too long or holds a control character.
    """
    if not isinstance(value, str):
        raise QueryParameterError(f"expected a string, got {type(value).__name__}")
    if len(value) > MAX_STRING_LENGTH:
        raise QueryParameterError(
            f"a string parameter is {len(value)} characters long; the limit is {MAX_STRING_LENGTH}"
        )
    out: list[str] = ['"']
    for char in value:
        escaped = _ESCAPES.get(char)
        if escaped is not None:
            out.append(escaped)
        elif char < " " or char == "\x7f":
            raise QueryParameterError(
                f"string parameters cannot hold the control character {char!r}"
            )
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


# Users import it from asisdk.queries: its public home in docs, pickles and the API test.
kql_string.__module__ = "asisdk.queries"
