"""Consumes payment events from the broker and applies them to the orders DB."""

import json
import logging

import pika
import psycopg

from worker import config

log = logging.getLogger("payment-worker")

QUEUE = "payment-events"
DEAD_LETTER_QUEUE = "payment-events.dead"
KNOWN_TYPES = {"payment.captured", "payment.failed", "refund.completed"}


class MalformedEvent(ValueError):
    """An event the worker cannot apply, whatever the number of retries."""


def parse_event(body: bytes) -> dict:
    try:
        event = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise MalformedEvent(f"not JSON: {err}") from err
    if not isinstance(event, dict) or event.get("type") not in KNOWN_TYPES:
        raise MalformedEvent("unknown event type")
    if not isinstance(event.get("order_id"), str):
        raise MalformedEvent("order_id missing")
    return event


class Consumer:
    def __init__(self, settings: config.Settings):
        self.settings = settings
        self.db = psycopg.connect(settings.orders_dsn)

    # threatls: mitigates poison-message -- a malformed event is parked in the dead-letter queue, not retried
    def on_message(self, channel, method, properties, body: bytes) -> None:
        try:
            event = parse_event(body)
        except MalformedEvent as err:
            log.warning("dead-lettering event %s: %s", properties.message_id, err)
            channel.basic_nack(method.delivery_tag, requeue=False)  # routed to DEAD_LETTER_QUEUE
            return
        self.apply(event)
        channel.basic_ack(method.delivery_tag)

    def apply(self, event: dict) -> None:
        status = {"payment.captured": "paid", "payment.failed": "cancelled", "refund.completed": "refunded"}[event["type"]]
        with self.db.transaction():
            self.db.execute("UPDATE orders SET status = %s WHERE id = %s", (status, event["order_id"]))


def main() -> None:
    logging.basicConfig(level=logging.INFO)
    settings = config.load()
    connection = pika.BlockingConnection(pika.URLParameters(settings.amqp_url))
    channel = connection.channel()
    channel.queue_declare(DEAD_LETTER_QUEUE, durable=True)
    channel.queue_declare(QUEUE, durable=True, arguments={
        "x-dead-letter-exchange": "",
        "x-dead-letter-routing-key": DEAD_LETTER_QUEUE,
    })
    channel.basic_qos(prefetch_count=10)
    channel.basic_consume(QUEUE, Consumer(settings).on_message)
    channel.start_consuming()


if __name__ == "__main__":
    main()
