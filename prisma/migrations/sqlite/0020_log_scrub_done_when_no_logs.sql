-- The one-time scrub of request-log rows written before provider keys were kept out of the log
-- (lib/logs/scrub.ts) has nothing to do in a database that holds no request log yet: every row
-- such a database will hold is written by a gateway that redacts them. Marked done here, when the
-- database is migrated, so the scrub does not start 10 s after the first start and read, window by
-- window on the event loop, the rows written meanwhile. A database with logs keeps its scrub
-- (resumed where it stopped, or already done).
INSERT INTO "AppMeta" ("key", "value", "updatedAt")
SELECT 'log_scrub_config_keys.complete', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')
WHERE NOT EXISTS (SELECT 1 FROM "RequestLog")
ON CONFLICT ("key") DO NOTHING;
