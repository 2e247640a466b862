"""VirusTotalClient against respx: request building, statuses, batches, frames, relationships."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pandas as pd
import pytest
import respx

from asisdk._http import RetryPolicy
from asisdk.config import Config
from asisdk.entities import Dns, FileHash, IpAddress
from asisdk.errors import AuthenticationError, ConfigurationError, InvalidInputError, NotFoundError
from asisdk.virustotal import VirusTotalClient, VtKind, VtStatus

from .conftest import API_KEY, BASE
from .fixtures import DOMAIN, EICAR_MD5, FILE, IP, URL, error

MakeVt = Callable[..., VirusTotalClient]


def test_key_comes_from_the_environment_and_never_shows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASISDK_VT_API_KEY", "env-key-value")
    client = VirusTotalClient(config=Config())
    assert "env-key-value" not in repr(client)
    assert client.limits.rates[0].max_requests == 4
    assert client.limits.per_day == 500


def test_missing_key_names_every_place_it_was_looked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ASISDK_VT_API_KEY", raising=False)
    monkeypatch.delenv("ASISDK_VIRUSTOTAL_API_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="ASISDK_VT_API_KEY or ASISDK_VIRUSTOTAL_API_KEY"):
        VirusTotalClient(config=Config())


async def test_lookup_sends_the_key_in_the_header_only(
    respx_mock: respx.MockRouter, make_vt: MakeVt
) -> None:
    route = respx_mock.get(f"{BASE}/ip_addresses/8.8.8.8").respond(200, json=IP)
    async with make_vt() as vt:
        report = await vt.lookup("8.8.8.8")
    assert report.status is VtStatus.FOUND
    assert (report.harmless, report.undetected) == (60, 30)
    request = route.calls.last.request
    assert request.headers["x-apikey"] == API_KEY
    assert API_KEY not in str(request.url)


@pytest.mark.parametrize(
    ("value", "path", "body"),
    [
        (EICAR_MD5, f"/files/{EICAR_MD5}", FILE),
        ("https://example.com/", "/urls/aHR0cHM6Ly9leGFtcGxlLmNvbS8", URL),
        ("EXAMPLE.com", "/domains/example.com", DOMAIN),
        ("8.8.8.8", "/ip_addresses/8.8.8.8", IP),
    ],
)
async def test_each_kind_goes_to_its_endpoint(
    respx_mock: respx.MockRouter, make_vt: MakeVt, value: str, path: str, body: dict[str, object]
) -> None:
    route = respx_mock.get(f"{BASE}{path}").respond(200, json=body)
    report = await make_vt().lookup(value)
    assert route.called
    assert report.status is VtStatus.FOUND
    assert report.observable == value


async def test_statuses_of_a_mixed_batch_in_input_order(
    respx_mock: respx.MockRouter, make_vt: MakeVt
) -> None:
    ip = respx_mock.get(f"{BASE}/ip_addresses/8.8.8.8").respond(200, json=IP)
    missing = respx_mock.get(f"{BASE}/domains/missing.example").respond(
        404, json=error("NotFoundError")
    )
    broken = respx_mock.get(f"{BASE}/domains/broken.example").respond(
        500, json=error("ServerError", "boom")
    )
    values = ["8.8.8.8", "999.1.1.1", "missing.example", "broken.example", "8.8.8.8", "a" * 31]
    done: list[tuple[int, int]] = []
    async with make_vt(retry=RetryPolicy(instant=True, max_attempts=2)) as vt:
        reports = await vt.lookup_many(values, progress=lambda d, t: done.append((d, t)))
    assert [r.observable for r in reports] == values
    assert [r.status for r in reports] == [
        VtStatus.FOUND,
        VtStatus.INVALID,
        VtStatus.NOT_FOUND,
        VtStatus.ERROR,
        VtStatus.FOUND,
        VtStatus.INVALID,
    ]
    assert (ip.call_count, missing.call_count, broken.call_count) == (1, 1, 2)
    assert reports[3].error is not None
    assert "status=500" in reports[3].error
    assert reports[0] == reports[4]
    assert sorted(done) == [(1, 3), (2, 3), (3, 3)]
    assert len(respx_mock.calls) == 4  # invalid values are never sent


async def test_duplicates_after_normalisation_are_requested_once(
    respx_mock: respx.MockRouter, make_vt: MakeVt
) -> None:
    route = respx_mock.get(f"{BASE}/domains/example.com").respond(200, json=DOMAIN)
    values = ["example.com", "EXAMPLE.COM", "example.com.", " example.com "]
    reports = await make_vt().lookup_many(values)
    assert route.call_count == 1
    assert [r.observable for r in reports] == values
    assert {r.status for r in reports} == {VtStatus.FOUND}


@pytest.mark.parametrize("status", [401, 403])
async def test_refused_key_raises_at_once(
    respx_mock: respx.MockRouter, make_vt: MakeVt, status: int
) -> None:
    respx_mock.get(url__regex=rf"{BASE}/domains/.*").respond(
        status, json=error("WrongCredentialsError", "Wrong API key")
    )
    vt = make_vt(max_concurrency=2)
    with pytest.raises(AuthenticationError) as info:
        await vt.lookup_many([f"d{n}.example" for n in range(10)])
    assert info.value.status_code == status
    assert API_KEY not in str(info.value)
    assert len(respx_mock.calls) <= 2  # the other workers stopped instead of trying


async def test_daily_quota_marks_the_rest_and_keeps_what_was_fetched(
    respx_mock: respx.MockRouter, make_vt: MakeVt
) -> None:
    respx_mock.get(f"{BASE}/domains/d0.example").respond(200, json=DOMAIN)
    respx_mock.get(f"{BASE}/domains/d1.example").respond(200, json=DOMAIN)
    quota = respx_mock.get(f"{BASE}/domains/d2.example").respond(
        429, json=error("QuotaExceededError", "daily quota exceeded")
    )
    values = [f"d{n}.example" for n in range(6)]
    vt = make_vt(max_concurrency=1, retry=RetryPolicy(instant=True, max_attempts=3))
    reports = await vt.lookup_many(values)
    assert [r.status for r in reports] == [VtStatus.FOUND] * 2 + [VtStatus.QUOTA_EXHAUSTED] * 4
    assert quota.call_count == 3  # retried like any 429 before giving up for the day
    assert len(respx_mock.calls) == 5
    assert reports[5].error is not None
    assert "quota" in reports[5].error


async def test_lookup_frame_adds_report_columns(
    respx_mock: respx.MockRouter, make_vt: MakeVt
) -> None:
    respx_mock.get(f"{BASE}/ip_addresses/8.8.8.8").respond(200, json=IP)
    respx_mock.get(f"{BASE}/domains/example.com").respond(200, json=DOMAIN)
    respx_mock.get(f"{BASE}/files/{EICAR_MD5}").respond(200, json=FILE)
    df = pd.DataFrame(
        {
            "Observable": ["8.8.8.8", "example.com", None, "x@example.com", EICAR_MD5],
            "IoCType": ["ipv4", "dns", "dns", "email", "md5_hash"],
            "status": ["a", "b", "c", "d", "e"],
        },
        index=[10, 20, 30, 40, 50],
    )
    out = await make_vt().lookup_frame(df, "Observable", kind_column="IoCType")
    assert list(out.index) == [10, 20, 30, 40, 50]
    assert list(out.columns[:3]) == ["Observable", "IoCType", "status"]
    assert out.loc[10, "status_vt"] == "found"
    assert list(out["status_vt"]) == ["found", "found", "invalid", "invalid", "found"]
    assert list(out["kind"])[:2] == ["ip_address", "domain"]
    assert str(out["malicious"].dtype) == "Int64"
    assert out["malicious"].isna().tolist() == [False, False, True, True, False]
    assert str(out["type_unsupported"].dtype) == "Int64"
    assert out["type_unsupported"].isna().tolist() == [True, True, True, True, False]
    assert out.loc[50, "type_unsupported"] == 8
    assert str(out["last_analysis_date"].dtype).startswith("datetime64")
    assert str(out["last_analysis_date"].dt.tz) == "UTC"
    for name in ("first_submission_date", "last_modification_date", "creation_date"):
        assert str(out[name].dt.tz) == "UTC"
    assert out[["creation_date", "first_submission_date"]].isna().sum().tolist() == [3, 4]
    assert out.loc[50, "first_submission_date"] == pd.Timestamp(1148301722, unit="s", tz="UTC")
    assert out.loc[20, "dates"]["whois_date"] == pd.Timestamp(1714400000, unit="s", tz="UTC")
    assert out.loc[30, "dates"] == {}
    assert "cannot look up kind 'email'" in out.loc[40, "error"]
    assert list(df.columns) == ["Observable", "IoCType", "status"]  # input untouched


async def test_lookup_frame_names_a_missing_column(make_vt: MakeVt) -> None:
    with pytest.raises(InvalidInputError, match="'nope' is not in the frame"):
        await make_vt().lookup_frame(pd.DataFrame({"a": ["8.8.8.8"]}), "nope")


async def test_relationships_follow_the_cursor_and_stop_at_the_limit(
    respx_mock: respx.MockRouter, make_vt: MakeVt
) -> None:
    path = f"{BASE}/domains/example.com/resolutions"

    def page(request: httpx.Request) -> httpx.Response:
        cursor = request.url.params.get("cursor")
        if cursor is None:
            return httpx.Response(
                200,
                json={
                    "data": [
                        {"type": "resolution", "id": "r1", "attributes": {"ip_address": "1.1.1.1"}},
                        {"type": "resolution", "id": "r2", "attributes": {}},
                    ],
                    "meta": {"cursor": "c2", "count": 4},
                },
            )
        assert cursor == "c2"
        return httpx.Response(
            200,
            json={
                "data": [
                    {"type": "resolution", "id": "r3"},
                    {"type": "resolution", "id": "r4", "error": {"code": "NotFoundError"}},
                ],
                "meta": {"count": 4},
            },
        )

    route = respx_mock.get(path).mock(side_effect=page)
    vt = make_vt()
    items = [o async for o in vt.relationships("example.com", "resolutions")]
    assert [o.id for o in items] == ["r1", "r2", "r3", "r4"]
    assert items[0].attributes["ip_address"] == "1.1.1.1"
    assert items[3].error == "NotFoundError"
    assert route.call_count == 2
    assert route.calls[0].request.url.params["limit"] == "40"

    limited = [o async for o in vt.relationships("example.com", "resolutions", limit=1)]
    assert [o.id for o in limited] == ["r1"]
    assert route.calls.last.request.url.params["limit"] == "1"


async def test_relationship_descriptors_and_errors(
    respx_mock: respx.MockRouter, make_vt: MakeVt
) -> None:
    respx_mock.get(f"{BASE}/files/{EICAR_MD5}/relationships/contacted_ips").respond(
        200, json={"data": [{"type": "ip_address", "id": "10.0.0.1"}], "meta": {}}
    )
    respx_mock.get(f"{BASE}/domains/missing.example/resolutions").respond(
        404, json=error("NotFoundError")
    )
    vt = make_vt()
    ids = [o.id async for o in vt.relationships(EICAR_MD5, "contacted_ips", descriptors_only=True)]
    assert ids == ["10.0.0.1"]
    with pytest.raises(NotFoundError):
        [o async for o in vt.relationships("missing.example", "resolutions")]
    with pytest.raises(InvalidInputError, match="relationship name"):
        [o async for o in vt.relationships("example.com", "../../users")]
    with pytest.raises(InvalidInputError, match=r"999\.1\.1\.1"):
        [o async for o in vt.relationships("999.1.1.1", "resolutions")]


async def test_explicit_kind_applies_to_the_batch(
    respx_mock: respx.MockRouter, make_vt: MakeVt
) -> None:
    reports = await make_vt().lookup_many(["8.8.8.8"], kind=VtKind.FILE)
    assert reports[0].status is VtStatus.INVALID
    assert not respx_mock.calls


def test_progress_true_draws_a_tqdm_bar(respx_mock: respx.MockRouter, make_vt: MakeVt) -> None:
    import asyncio

    respx_mock.get(f"{BASE}/ip_addresses/8.8.8.8").respond(200, json=IP)
    reports = asyncio.run(make_vt().lookup_many(["8.8.8.8"], progress=True))
    assert reports[0].status is VtStatus.FOUND


async def test_entities_are_looked_up_and_share_results_with_strings(
    respx_mock: respx.MockRouter, make_vt: MakeVt
) -> None:
    ip = respx_mock.get(f"{BASE}/ip_addresses/8.8.8.8").respond(200, json=IP)
    domain = respx_mock.get(f"{BASE}/domains/example.com").respond(200, json=DOMAIN)
    file = respx_mock.get(f"{BASE}/files/{EICAR_MD5}").respond(200, json=FILE)
    values = [
        IpAddress(address="8.8.8.8"),
        "8.8.8.8",
        Dns(domain_name="example.com"),
        FileHash.from_value(EICAR_MD5),
    ]
    reports = await make_vt().lookup_many(values)
    assert [r.observable for r in reports] == ["8.8.8.8", "8.8.8.8", "example.com", EICAR_MD5]
    assert {r.status for r in reports} == {VtStatus.FOUND}
    assert (ip.call_count, domain.call_count, file.call_count) == (1, 1, 1)
    single = await make_vt().lookup(Dns(domain_name="example.com"))
    assert single.kind is VtKind.DOMAIN


async def test_client_side_daily_budget_skips_the_rest_without_sending(
    respx_mock: respx.MockRouter, make_vt: MakeVt
) -> None:
    respx_mock.get(url__regex=rf"{BASE}/domains/.*").respond(200, json=DOMAIN)
    vt = make_vt(requests_per_day=2, max_concurrency=1)
    reports = await vt.lookup_many([f"d{n}.example" for n in range(4)])
    assert [r.status for r in reports] == [VtStatus.FOUND] * 2 + [VtStatus.QUOTA_EXHAUSTED] * 2
    assert len(respx_mock.calls) == 2
    assert reports[2].error is not None
    assert "daily budget of 2" in reports[2].error


async def test_a_value_virustotal_refuses_is_invalid_not_an_error(
    respx_mock: respx.MockRouter, make_vt: MakeVt
) -> None:
    refused = respx_mock.get(f"{BASE}/domains/under_score.example").respond(
        400,
        json=error(
            "InvalidArgumentError", 'Domain "under_score.example" is not a valid domain pattern'
        ),
    )
    other = respx_mock.get(f"{BASE}/domains/bad-request.example").respond(
        400, json=error("BadRequestError", "The API request is invalid or malformed")
    )
    ip = respx_mock.get(f"{BASE}/ip_addresses/8.8.8.8").respond(200, json=IP)
    values = ["under_score.example", "8.8.8.8", "bad-request.example"]
    async with make_vt(retry=RetryPolicy(instant=True, max_attempts=2)) as vt:
        reports = await vt.lookup_many(values)
    assert [r.status for r in reports] == [VtStatus.INVALID, VtStatus.FOUND, VtStatus.ERROR]
    assert reports[0].error is not None
    assert "not a valid domain pattern" in reports[0].error
    assert "code=InvalidArgumentError" in reports[0].error
    assert reports[0].kind is VtKind.DOMAIN
    assert (refused.call_count, ip.call_count, other.call_count) == (1, 1, 1)
