"""Settings of the payment worker, read once at startup."""

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    amqp_url: str
    orders_dsn: str
    psp_base_url: str
    psp_api_key: str


# threatls: exposes secrets-outside-vault@worker -- PAY-377: the provider key still comes from the environment
def load() -> Settings:
    return Settings(
        amqp_url=os.environ["AMQP_URL"],
        orders_dsn=os.environ["ORDERS_DSN"],
        psp_base_url=os.environ.get("PSP_BASE_URL", "https://api.zahlungsdienst.example/v1"),
        psp_api_key=os.environ["PSP_API_KEY"],
    )
