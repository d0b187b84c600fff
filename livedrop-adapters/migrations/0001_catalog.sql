-- Users, creators, products, drops and each drop's stock row.
--
-- Ids are UUID v7 made by the application (PostgreSQL 15 has no uuidv7()), so b-tree
-- inserts stay append-mostly. Timestamps are timestamptz (UTC on the wire).

CREATE TABLE users (
    id          uuid PRIMARY KEY,
    email       text NOT NULL,
    name        text NOT NULL,
    created_at  timestamptz NOT NULL
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE creators (
    id              uuid PRIMARY KEY,
    owner_id        uuid NOT NULL REFERENCES users (id),
    display_name    text NOT NULL,
    handle          text NOT NULL,
    created_at      timestamptz NOT NULL,
    -- Exact: changed in the same transaction as the follow row it counts.
    follower_count  bigint NOT NULL DEFAULT 0 CHECK (follower_count >= 0)
);
CREATE UNIQUE INDEX creators_handle_key ON creators (lower(handle));
-- One creator per owner.
CREATE UNIQUE INDEX creators_owner_key ON creators (owner_id);

CREATE TABLE products (
    id             uuid PRIMARY KEY,
    creator_id     uuid NOT NULL REFERENCES creators (id),
    title          text NOT NULL,
    description    text NOT NULL,
    price_cents    bigint NOT NULL CHECK (price_cents >= 0),
    currency_code  char(3) NOT NULL,
    images         text[] NOT NULL DEFAULT '{}',
    created_at     timestamptz NOT NULL
);
CREATE INDEX products_by_creator ON products (creator_id, created_at, id);

-- What a drop is: fixed once it goes live.
CREATE TABLE drops (
    id                   uuid PRIMARY KEY,
    product_id           uuid NOT NULL REFERENCES products (id),
    creator_id           uuid NOT NULL REFERENCES creators (id),
    start_at             timestamptz NOT NULL,
    end_at               timestamptz NOT NULL,
    initial_stock        integer NOT NULL CHECK (initial_stock > 0),
    low_stock_threshold  integer NOT NULL CHECK (low_stock_threshold >= 0),
    max_per_user         integer CHECK (max_per_user >= 1),
    created_at           timestamptz NOT NULL,
    CHECK (start_at < end_at),
    CHECK (low_stock_threshold <= initial_stock)
);

-- Where a drop is: the hot row every order of the drop locks and updates. Kept apart from
-- `drops` so the row is narrow. Status lives here because stock moves it (sold out).
CREATE TABLE drop_stock (
    drop_id             uuid PRIMARY KEY REFERENCES drops (id),
    status              text NOT NULL CHECK (status IN ('scheduled', 'live', 'sold_out', 'ended')),
    -- The database refuses an oversell even if the application were wrong.
    available           integer NOT NULL CHECK (available >= 0),
    low_stock_notified  boolean NOT NULL DEFAULT false,
    updated_at          timestamptz NOT NULL,
    -- Copy of drops.start_at, for the drops-by-status keyset index.
    start_at            timestamptz NOT NULL,
    -- When the next time-driven transition is due (scheduler), if any.
    next_due            timestamptz
);
CREATE INDEX drop_stock_by_status ON drop_stock (status, start_at, drop_id);
CREATE INDEX drop_stock_due ON drop_stock (next_due, drop_id) WHERE next_due IS NOT NULL;
