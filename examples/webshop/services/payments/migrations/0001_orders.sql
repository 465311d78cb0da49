-- threatls: component orders-db -- schema of the orders DB, applied by the payments API at startup

CREATE TABLE orders (
    id              uuid PRIMARY KEY,
    customer_id     uuid NOT NULL,
    amount_cent     bigint NOT NULL CHECK (amount_cent > 0),
    status          text NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'paid', 'refunded', 'cancelled')),
    card_token      text NOT NULL, -- the provider's token; card numbers never reach the shop
    psp_payment_id  text,
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX orders_customer ON orders (customer_id, created_at DESC);

-- The application roles get only what they need: no DDL, no DELETE.
GRANT SELECT, INSERT, UPDATE ON orders TO payments_app;
GRANT SELECT, UPDATE (status) ON orders TO payment_worker;
