-- A row of `failures` is an error (the source gave nothing) or a warning (the source was read,
-- or deliberately left out, and something about it needs a person's eye: a link leading outside
-- the corpus, content that is not what its extension says, a document without passages, a cap
-- on passages or sentence length that was hit). Rows written before this migration are errors.
ALTER TABLE failures ADD COLUMN severity VARCHAR DEFAULT 'error';
