"""Building reports from documented v3 answers (pure)."""

from __future__ import annotations

import copy
import datetime as dt

from asisdk.virustotal import VtKind, VtReport, VtStatus
from asisdk.virustotal._observables import resolve_target
from asisdk.virustotal._report import report_from_object, report_without_data

from .fixtures import DOMAIN, EICAR_MD5, EICAR_SHA256, FILE, IP, URL, URL_CANONICAL


def test_file_report_from_the_eicar_fixture() -> None:
    report = report_from_object(EICAR_MD5, resolve_target(EICAR_MD5), FILE["data"])
    assert report.status is VtStatus.FOUND
    assert report.kind is VtKind.FILE
    assert (report.malicious, report.suspicious, report.harmless) == (62, 0, 0)
    assert (report.undetected, report.timeout, report.reputation) == (5, 0, -20)
    assert report.last_analysis_date == dt.datetime(2024, 5, 1, 8, 0, tzinfo=dt.UTC)
    assert report.tags == ("text",)
    assert report.permalink == f"https://www.virustotal.com/gui/file/{EICAR_SHA256}"
    assert report.attributes["meaningful_name"] == "eicar.com"
    assert report.attributes["last_analysis_stats"]["type-unsupported"] == 8


def test_url_report_links_to_the_canonical_id() -> None:
    target = resolve_target("https://example.com/")
    report = report_from_object("https://example.com/", target, URL["data"])
    assert report.permalink == f"https://www.virustotal.com/gui/url/{URL_CANONICAL}"
    assert (report.harmless, report.undetected) == (70, 20)


def test_domain_and_ip_reports() -> None:
    domain = report_from_object("example.com", resolve_target("example.com"), DOMAIN["data"])
    assert domain.permalink == "https://www.virustotal.com/gui/domain/example.com"
    ip = report_from_object("8.8.8.8", resolve_target("8.8.8.8"), IP["data"])
    assert ip.permalink == "https://www.virustotal.com/gui/ip-address/8.8.8.8"
    assert ip.tags == ("dns",)


def test_missing_or_odd_attributes_give_none_not_errors() -> None:
    data = {
        "type": "domain",
        "id": "x.example",
        "attributes": {
            "last_analysis_stats": {"malicious": "many"},
            "last_analysis_date": "yesterday",
            "reputation": True,
            "tags": "not-a-list",
        },
    }
    report = report_from_object("x.example", resolve_target("x.example"), data)
    assert report.malicious is None
    assert report.last_analysis_date is None
    assert report.reputation is None
    assert report.tags == ()


def test_not_found_url_links_to_a_search() -> None:
    target = resolve_target("https://nothing.example/a b".replace(" ", "%20"))
    report = report_without_data("u", target, VtStatus.NOT_FOUND)
    assert report.permalink is not None
    assert report.permalink.startswith("https://www.virustotal.com/gui/search/https%3A%2F%2F")
    invalid = report_without_data("999.1.1.1", resolve_target("999.1.1.1"), VtStatus.INVALID, "bad")
    assert invalid.permalink is None


def test_html_repr_escapes_values() -> None:
    report = VtReport(
        observable="<script>alert(1)</script>",
        kind=None,
        status=VtStatus.INVALID,
        error="bad <value>",
    )
    html = report._repr_html_()
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "invalid" in html
    found = report_from_object(EICAR_MD5, resolve_target(EICAR_MD5), FILE["data"])
    assert "malicious 62" in found._repr_html_()
    assert 'rel="noopener"' in found._repr_html_()


def test_equality_ignores_raw_attributes() -> None:
    a = VtReport(observable="x", kind=None, status=VtStatus.ERROR, attributes={"a": 1})
    b = VtReport(observable="x", kind=None, status=VtStatus.ERROR, attributes={"b": 2})
    assert a == b


def test_every_last_analysis_stats_key_of_a_file_is_kept() -> None:
    data = copy.deepcopy(FILE["data"])
    data["attributes"]["last_analysis_stats"] = {
        "harmless": 1,
        "type-unsupported": 8,
        "suspicious": 2,
        "confirmed-timeout": 3,
        "timeout": 4,
        "failure": 6,
        "malicious": 62,
        "undetected": 5,
    }
    report = report_from_object(EICAR_MD5, resolve_target(EICAR_MD5), data)
    assert (report.harmless, report.suspicious, report.timeout) == (1, 2, 4)
    assert (report.malicious, report.undetected) == (62, 5)
    assert (report.type_unsupported, report.confirmed_timeout, report.failure) == (8, 3, 6)
    assert "type-unsupported 8" in report._repr_html_()
    assert "confirmed-timeout 3" in report._repr_html_()


def test_url_stats_have_no_file_only_counts() -> None:
    report = report_from_object(
        "https://example.com/", resolve_target("https://example.com/"), URL["data"]
    )
    assert (report.type_unsupported, report.confirmed_timeout, report.failure) == (None, None, None)
    assert "type-unsupported" not in report._repr_html_()


def _utc(seconds: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, dt.UTC)


def test_file_dates_are_aware_utc_datetimes() -> None:
    report = report_from_object(EICAR_MD5, resolve_target(EICAR_MD5), FILE["data"])
    assert report.first_submission_date == dt.datetime(2006, 5, 22, 12, 42, 2, tzinfo=dt.UTC)
    assert report.last_submission_date == dt.datetime(2024, 5, 1, 8, 0, tzinfo=dt.UTC)
    assert report.last_modification_date == _utc(1714553000)
    assert report.creation_date == dt.datetime(2001, 9, 9, 1, 46, 40, tzinfo=dt.UTC)
    assert set(report.dates) == {
        "first_submission_date",
        "last_submission_date",
        "last_analysis_date",
        "last_modification_date",
        "creation_date",
    }
    assert all(when.utcoffset() == dt.timedelta(0) for when in report.dates.values())
    assert report.attributes["creation_date"] == 1000000000  # the raw answer is untouched


def test_every_domain_date_attribute_is_in_dates() -> None:
    report = report_from_object("example.com", resolve_target("example.com"), DOMAIN["data"])
    assert report.creation_date == dt.datetime(1995, 8, 14, 4, 0, tzinfo=dt.UTC)
    assert report.first_submission_date is None
    assert report.dates["expiration_date"] == _utc(1755000000)
    assert report.dates["last_update_date"] == _utc(1692000000)
    assert report.dates["whois_date"] == _utc(1714400000)
    assert report.dates["last_dns_records_date"] == _utc(1714500000)
    assert report.dates["last_modification_date"] == report.last_modification_date
    assert report.dates["last_analysis_date"] == report.last_analysis_date
    assert "popularity_ranks" not in report.dates
    assert "last_dns_records" not in report.dates


def test_a_date_that_is_not_unix_seconds_is_left_out() -> None:
    data = {
        "type": "domain",
        "id": "x.example",
        "attributes": {"whois_date": "2024-05-01", "creation_date": None, "expiration_date": 0},
    }
    report = report_from_object("x.example", resolve_target("x.example"), data)
    assert report.creation_date is None
    assert dict(report.dates) == {"expiration_date": dt.datetime(1970, 1, 1, tzinfo=dt.UTC)}
