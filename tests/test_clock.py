from datetime import UTC, datetime

import pytest

from chatbot.clock import parse_timestamp

# 2020-10-07T09:42:53Z as epoch seconds: 1_602_063_773.
EPOCH = 1_602_063_773
EXPECTED = datetime(2020, 10, 7, 9, 42, 53, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("2020-10-07T09:42:53Z", EXPECTED, id="github-z"),
        pytest.param("2020-10-07T09:42:53z", EXPECTED, id="lower-case-z"),
        pytest.param(
            "2020-10-08T12:13:40.000Z", datetime(2020, 10, 8, 12, 13, 40, tzinfo=UTC), id="milliseconds"
        ),
        pytest.param("2020-10-07T15:12:53+05:30", EXPECTED, id="offset"),
        pytest.param(
            "2021-06-26 14:24:34.508000+05:30",
            datetime(2021, 6, 26, 8, 54, 34, 508000, tzinfo=UTC),
            id="codecommit-space-separated",
        ),
        pytest.param("2020-10-07T09:42:53", EXPECTED, id="naive-is-utc"),
        pytest.param("  2020-10-07T09:42:53Z \n", EXPECTED, id="surrounding-whitespace"),
        pytest.param(EPOCH, EXPECTED, id="epoch-seconds"),
        pytest.param(EPOCH * 1000, EXPECTED, id="epoch-milliseconds"),
        pytest.param(EPOCH + 0.25, EXPECTED.replace(microsecond=250000), id="epoch-float-seconds"),
    ],
)
def test_parses_timestamp_shapes_to_aware_utc(raw: object, expected: datetime) -> None:
    parsed = parse_timestamp(raw)

    assert parsed == expected
    assert parsed is not None and parsed.utcoffset() is not None
    assert parsed.tzinfo == UTC


@pytest.mark.parametrize("raw", [None, ""])
def test_empty_values_are_no_timestamp(raw: object) -> None:
    assert parse_timestamp(raw) is None


@pytest.mark.parametrize("raw", ["yesterday", "2020-13-45T00:00:00Z", "07/10/2020", True, [2020, 10, 7], {}])
def test_garbage_raises_value_error(raw: object) -> None:
    with pytest.raises(ValueError):
        parse_timestamp(raw)
