"""Nightly import: copies yesterday's sales figures from the ERP read replica into the
reporting DB. Runs as a Kubernetes CronJob at 02:30; the scheduler keeps every run's log."""

import datetime
import os

import oracledb
import psycopg

EXTRACT = """
    SELECT department_id, product_id, product_name, quantity, revenue_cent
      FROM sales.daily_figures
     WHERE business_day = :day
"""

LOAD = """
    INSERT INTO sales_figures (business_day, department_id, product_id, product_name, quantity, revenue_cent)
    VALUES (%s, %s, %s, %s, %s, %s)
    ON CONFLICT (business_day, department_id, product_id) DO UPDATE
       SET quantity = EXCLUDED.quantity, revenue_cent = EXCLUDED.revenue_cent
"""


def read_secret(name: str) -> str:
    # Written by the Vault agent sidecar; never in the environment or the image.
    with open(os.path.join("/vault/secrets", name), encoding="utf-8") as f:
        return f.read().strip()


def run(day: datetime.date) -> int:
    with oracledb.connect(user="reporting_ro", password=read_secret("erp-password"),
                          dsn=os.environ["ERP_DSN"]) as erp, \
         psycopg.connect(os.environ["REPORTS_DSN"], password=read_secret("reports-password")) as reports:
        rows = erp.cursor().execute(EXTRACT, day=day).fetchall()
        with reports.transaction():
            reports.cursor().executemany(LOAD, [(day, *row) for row in rows])
        return len(rows)


if __name__ == "__main__":
    yesterday = datetime.date.today() - datetime.timedelta(days=1)
    print(f"imported {run(yesterday)} rows for {yesterday}")
