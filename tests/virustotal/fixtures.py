"""VirusTotal v3 answers in the documented shape (our own fixtures, service-apis.md §1.5)."""

from __future__ import annotations

from typing import Any

EICAR_SHA256 = "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"
EICAR_MD5 = "44d88612fea8a8f36de82e1278abb02f"
URL_CANONICAL = "0f115db062b7c0dd030b16878c99dea5c354b49dc37b38eb8846179c7783e9d7"

FILE: dict[str, Any] = {
    "data": {
        "type": "file",
        "id": EICAR_SHA256,
        "links": {"self": f"https://www.virustotal.com/api/v3/files/{EICAR_SHA256}"},
        "attributes": {
            "md5": EICAR_MD5,
            "sha1": "3395856ce81f2b7382dee72602f798b642f14140",
            "sha256": EICAR_SHA256,
            "size": 68,
            "type_description": "Text",
            "meaningful_name": "eicar.com",
            "names": ["eicar.com", "eicar.txt"],
            "tags": ["text"],
            "first_submission_date": 1148301722,
            "last_submission_date": 1714550400,
            "last_analysis_date": 1714550400,
            "last_modification_date": 1714553000,
            "creation_date": 1000000000,
            "times_submitted": 1000,
            "reputation": -20,
            "total_votes": {"harmless": 3, "malicious": 40},
            "last_analysis_stats": {
                "harmless": 0,
                "type-unsupported": 8,
                "suspicious": 0,
                "confirmed-timeout": 0,
                "timeout": 0,
                "failure": 0,
                "malicious": 62,
                "undetected": 5,
            },
            "last_analysis_results": {
                "ExampleAV": {
                    "category": "malicious",
                    "engine_name": "ExampleAV",
                    "result": "EICAR-Test-File",
                },
            },
        },
    }
}

URL: dict[str, Any] = {
    "data": {
        "type": "url",
        "id": URL_CANONICAL,
        "links": {"self": f"https://www.virustotal.com/api/v3/urls/{URL_CANONICAL}"},
        "attributes": {
            "url": "https://example.com/",
            "last_final_url": "https://example.com/",
            "title": "Example Domain",
            "last_analysis_date": 1714550000,
            "reputation": 0,
            "tags": [],
            "last_analysis_stats": {
                "harmless": 70,
                "malicious": 0,
                "suspicious": 0,
                "undetected": 20,
                "timeout": 0,
            },
        },
    }
}

DOMAIN: dict[str, Any] = {
    "data": {
        "type": "domain",
        "id": "example.com",
        "links": {"self": "https://www.virustotal.com/api/v3/domains/example.com"},
        "attributes": {
            "registrar": "RESERVED-Internet Assigned Numbers Authority",
            "creation_date": 808372800,
            "expiration_date": 1755000000,
            "last_update_date": 1692000000,
            "whois_date": 1714400000,
            "last_dns_records": [{"type": "A", "value": "93.184.215.14", "ttl": 3600}],
            "last_dns_records_date": 1714500000,
            "last_modification_date": 1714510000,
            "popularity_ranks": {"Cisco Umbrella": {"rank": 1500, "timestamp": 1714400000}},
            "reputation": 0,
            "tags": [],
            "last_analysis_date": 1714500000,
            "last_analysis_stats": {
                "harmless": 66,
                "malicious": 0,
                "suspicious": 0,
                "undetected": 24,
                "timeout": 0,
            },
            "last_analysis_results": {},
        },
    }
}

IP: dict[str, Any] = {
    "data": {
        "type": "ip_address",
        "id": "8.8.8.8",
        "links": {"self": "https://www.virustotal.com/api/v3/ip_addresses/8.8.8.8"},
        "attributes": {
            "as_owner": "GOOGLE",
            "asn": 15169,
            "country": "US",
            "reputation": 0,
            "tags": ["dns"],
            "last_analysis_date": 1714500000,
            "last_analysis_stats": {
                "harmless": 60,
                "malicious": 0,
                "suspicious": 0,
                "undetected": 30,
                "timeout": 0,
            },
        },
    }
}


def error(code: str, message: str = "x") -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}
