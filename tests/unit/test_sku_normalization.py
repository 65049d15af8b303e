"""A SKU is upper-cased only when it is ASCII: Unicode case mapping would change the SKU.

Found by schemathesis (tests/e2e/test_schemathesis.py): "ßtest1" was stored as "SSTEST1"
and "ﬀ9" as "FF9", another SKU than the one sent, possibly one already taken.
"""
from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from products.domain import Sku

SKU = TypeAdapter(Sku)


@pytest.mark.parametrize(("sent", "stored"), [("tshirt-red-m", "TSHIRT-RED-M"), (" abc_1\t", "ABC_1")])
def test_ascii_skus_are_stored_upper_case_and_trimmed(sent, stored):
    assert SKU.validate_python(sent) == stored


@pytest.mark.parametrize("sent", ["ßtest1", "ﬀ9", "ABCı", "Ａ1"])
def test_non_ascii_skus_are_rejected_not_rewritten(sent):
    with pytest.raises(ValidationError):
        SKU.validate_python(sent)


def test_documented_pattern_accepts_what_validation_accepts():
    import re

    pattern = SKU.json_schema(mode="validation")["pattern"]
    for sent in ("tshirt-red-m", " abc_1\t", "\x1cA\x1f"):
        assert re.match(pattern, sent) and SKU.validate_python(sent)
    for sent in ("ßtest1", "-A", "A B", ""):
        assert not re.match(pattern, sent)
