-- Orders keep what customers bought.
CREATE TABLE IF NOT EXISTS orders (
  id text PRIMARY KEY,
  note text DEFAULT '-- threatls: mitigates in-sql-string'
);

-- threatls: mitigates sqli -- the app role may only SELECT and INSERT
CREATE OR REPLACE FUNCTION order_total(order_id text) RETURNS numeric AS $$ SELECT 0 $$ LANGUAGE sql;
