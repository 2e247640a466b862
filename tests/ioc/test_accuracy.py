"""Accuracy on the labelled corpus (tests/ioc/corpus.py): per case and per type."""

from __future__ import annotations

from collections import Counter

import pytest

from asisdk.ioc import IocExtractor

from .corpus import CASES, Case

MIN_CASES = 400
MIN_OVERALL_F1 = 0.95


def _score(extractor: IocExtractor) -> tuple[Counter[str], Counter[str], Counter[str]]:
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for case in CASES:
        got = extractor.extract(case.text)
        for kind in set(got) | set(case.expected):
            found = got.get(kind, set())
            want = case.expected.get(kind, frozenset())
            tp[kind] += len(found & want)
            fp[kind] += len(found - want)
            fn[kind] += len(want - found)
    return tp, fp, fn


def _f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def test_corpus_is_large_and_covers_every_builtin_type() -> None:
    assert len(CASES) >= MIN_CASES
    covered = {kind for case in CASES for kind in case.expected}
    assert covered == set(IocExtractor().types)
    negatives = [case for case in CASES if not case.expected]
    assert len(negatives) >= 100  # traps: texts that hold no indicator at all


def test_overall_f1_and_per_type_precision_recall(capsys: pytest.CaptureFixture[str]) -> None:
    tp, fp, fn = _score(IocExtractor())
    lines = []
    for kind in sorted(set(tp) | set(fp) | set(fn)):
        precision = tp[kind] / (tp[kind] + fp[kind]) if tp[kind] + fp[kind] else 1.0
        recall = tp[kind] / (tp[kind] + fn[kind]) if tp[kind] + fn[kind] else 1.0
        lines.append(f"{kind:<13} P={precision:.3f} R={recall:.3f} (tp={tp[kind]})")
        assert _f1(tp[kind], fp[kind], fn[kind]) >= 0.9, lines[-1]
    overall = _f1(sum(tp.values()), sum(fp.values()), sum(fn.values()))
    with capsys.disabled():
        print("\n" + "\n".join(lines) + f"\noverall F1={overall:.3f}")
    assert overall >= MIN_OVERALL_F1


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.text[:40])
def test_case(case: Case) -> None:
    got = {k: v for k, v in IocExtractor().extract(case.text).items() if v}
    assert got == {k: set(v) for k, v in case.expected.items()}
