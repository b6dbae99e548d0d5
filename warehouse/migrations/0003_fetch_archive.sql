-- Web-archive captures (crawl --backfill): which captures were already fetched, for resuming.
ALTER TABLE fetches ADD COLUMN archive_timestamp VARCHAR;
ALTER TABLE fetches ADD COLUMN archive_digest VARCHAR;
ALTER TABLE fetches ADD COLUMN declared_type VARCHAR;
