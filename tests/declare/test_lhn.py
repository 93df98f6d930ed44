"""The 11-test of the loonheffingennummer has one home (asrctl.declare.lhn), and every place that
judges a number (validation of employer files, the reference registry) gives the same verdict."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from asrctl.declare.lhn import example_payroll_tax_number, is_payroll_tax_number, passes_eleven_test
from asrctl.declare.load import load_repo
from asrctl.sandbox.registry_contract import ContractChecker
from asrctl.sandbox.registry_server import RegistryServer

from support.registry import Api
from support.validate import SHARED_EMPLOYER, make_repo

# (number, accepted): the shape is right in each, so only the 11-test decides.
NUMBERS = [
    ("123456782L01", True),   # the design's example
    ("814573204L01", True),
    ("100000009L99", True),
    ("123456789L01", False),  # the sum is not divisible by 11
    ("000000000L01", False),  # divisible by 11, but no RSIN or BSN is all zeros
    ("000000011L01", False),
]


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    from support.registry import TOKENS

    checker = ContractChecker(raise_now=False)
    with RegistryServer(tmp_path_factory.mktemp("registry") / "registry.db", TOKENS, checker=checker) as server:
        api = Api(server.url, checker)
        yield api
        api.session.close()
    assert checker.violations == []


def _validation_accepts(tmp_path: Path, number: str) -> bool:
    employer = SHARED_EMPLOYER.read_text().replace("123456782L01", number)
    root = make_repo(tmp_path, {"bakkerij.yaml": employer})
    _, problems = load_repo(root / "asrctl.yaml")
    eleven = [p for p in problems if "11-test" in p.message]
    assert all(p.line == 2 for p in eleven), eleven  # located at the payroll_tax_number line
    return not eleven


def _registry_accepts(api: Api, number: str) -> bool:
    response = api.call("GET", f"/registrations/{number}")
    assert response.status_code in (400, 404), response.text  # nothing is registered: valid means 404
    return response.status_code == 404


@pytest.mark.parametrize(("number", "accepted"), NUMBERS)
def test_the_same_verdict_everywhere(tmp_path: Path, registry: Api, number: str, accepted: bool) -> None:
    assert is_payroll_tax_number(number) is accepted
    assert _validation_accepts(tmp_path, number) is accepted
    assert _registry_accepts(registry, number) is accepted


@pytest.mark.parametrize("digits", ["12345678", "1234567820", "12345678a", "١٢٣٤٥٦٧٨٢"])
def test_only_nine_ascii_digits_are_tested(digits: str) -> None:
    assert not passes_eleven_test(digits)


@pytest.mark.parametrize("value", ["123456782l01", "123456782L1", " 123456782L01", "123456782L01\n"])
def test_the_shape_is_exact(value: str) -> None:
    assert not is_payroll_tax_number(value)


def test_the_sample_series_passes() -> None:
    numbers = {example_payroll_tax_number(n) for n in range(0, 9_000_000, 8_999)}
    assert len(numbers) > 1000 and all(is_payroll_tax_number(n) for n in numbers)
    with pytest.raises(ValueError):
        example_payroll_tax_number(9_000_000)
