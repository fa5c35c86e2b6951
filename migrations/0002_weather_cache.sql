-- Weather tool cache (docs/design.md#flows-and-tools): one answer per (back-end, normalised location, units),
-- valid until expires_at. Rows are written and read with the program's clock, so expiry is
-- decided by the same "now" on every process.
CREATE TABLE weather_cache (
    backend       text NOT NULL CHECK (backend IN ('open-meteo', 'openweathermap')),
    location_key  text NOT NULL CHECK (length(location_key) BETWEEN 1 AND 200),
    units         text NOT NULL CHECK (units IN ('metric', 'imperial', 'standard')),
    payload       jsonb NOT NULL CHECK (jsonb_typeof(payload) = 'object'),
    fetched_at    timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL,
    PRIMARY KEY (backend, location_key, units)
);

-- Pruning expired rows
CREATE INDEX idx_weather_cache_expires ON weather_cache (expires_at);
