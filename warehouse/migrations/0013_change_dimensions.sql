-- The dimensions a change moved (issue #15): a JSON list of {"dimension", "direction",
-- "reason"} (dimension one of scope, threshold, actor, strength, disclosure, consequence;
-- direction +1 binds the lab more, -1 less, 0 unknown), as `labwatch diff --format json` gives
-- them. JSON text rather than a nested type, so a DuckLake warehouse and exports keep it as is.
-- NULL in rows computed before this migration until their document is recomputed.
-- The commitment_changes view selects c.*, so it carries the column without being redefined.
ALTER TABLE changes ADD COLUMN dimensions VARCHAR;
