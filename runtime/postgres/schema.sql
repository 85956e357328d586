-- Source schema of the cdc_demo database. Shared by the native stack and docker/docker-compose.yml.
-- Idempotent: safe to apply to a database that already has it.

CREATE TABLE IF NOT EXISTS public.users (
  id          bigserial PRIMARY KEY,
  email       text NOT NULL UNIQUE,
  full_name   text,
  country     text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS public.products (
  id          bigserial PRIMARY KEY,
  name        text NOT NULL,
  category    text,
  price       numeric(12,2) NOT NULL CHECK (price >= 0),
  status      text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive', 'discontinued')),
  description text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS public.orders (
  id            bigserial PRIMARY KEY,
  user_id       bigint NOT NULL REFERENCES public.users(id),
  product_id    bigint NOT NULL REFERENCES public.products(id),
  quantity      int NOT NULL CHECK (quantity > 0),
  total_amount  numeric(12,2) NOT NULL,
  status        text NOT NULL DEFAULT 'pending',
  order_date    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS orders_user_id_idx ON public.orders(user_id);
CREATE INDEX IF NOT EXISTS orders_product_id_idx ON public.orders(product_id);

-- The primary key as replica identity: a delete's before image carries the key only, and an unchanged
-- TOASTed value (products.description) comes as Debezium's __debezium_unavailable_value placeholder.
-- Silver has both from the key's previous version (cdc_lake.scd2). FULL would write about 48 % more
-- WAL and cost the connector about a third of its rate (bench/RESULTS.md). Explicit, so a database
-- provisioned while the schema asked for FULL takes DEFAULT when it is next provisioned.
ALTER TABLE public.users    REPLICA IDENTITY DEFAULT;
ALTER TABLE public.products REPLICA IDENTITY DEFAULT;
ALTER TABLE public.orders   REPLICA IDENTITY DEFAULT;

-- Debezium's signal table: incremental snapshots (cdcctl connector snapshot) are requested here.
CREATE TABLE IF NOT EXISTS public.debezium_signal (
  id    varchar(64) PRIMARY KEY,
  type  varchar(32) NOT NULL,
  data  varchar(2048)
);

-- Written by the connector's heartbeat action so an idle database still advances the slot.
CREATE TABLE IF NOT EXISTS public.debezium_heartbeat (
  id  int PRIMARY KEY,
  ts  timestamptz NOT NULL
);
