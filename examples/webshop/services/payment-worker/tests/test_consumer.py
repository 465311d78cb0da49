import pytest

from worker.consumer import MalformedEvent, parse_event


@pytest.mark.parametrize("body", [b"", b"\xff\xfe", b"[]", b'{"type": "payment.exploded"}', b'{"type": "payment.captured"}'])
def test_malformed_events_are_refused(body):
    with pytest.raises(MalformedEvent):
        parse_event(body)


def test_captured_event():
    event = parse_event(b'{"type": "payment.captured", "order_id": "0b6f"}')
    assert event["order_id"] == "0b6f"
