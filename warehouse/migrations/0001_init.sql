-- labwatch warehouse, first schema. Raw capture (snapshots, fetches) is kept apart from what is
-- derived (versions, statements, matches, changes); review events are append-only and keyed by
-- the stable match_id, never by row ids, so re-deriving anything never touches a decision.

CREATE TABLE labs (
    lab         VARCHAR PRIMARY KEY,
    name        VARCHAR,
    created_at  TIMESTAMP DEFAULT current_timestamp
);

CREATE TABLE documents (
    lab          VARCHAR NOT NULL,
    document_id  VARCHAR NOT NULL,
    title        VARCHAR,
    source_url   VARCHAR,
    created_at   TIMESTAMP DEFAULT current_timestamp,
    PRIMARY KEY (lab, document_id)
);

-- What a fetch or a corpus file returned, byte for byte (bytes live on disk by sha256).
CREATE TABLE snapshots (
    sha256        VARCHAR PRIMARY KEY,
    size          BIGINT,
    content_type  VARCHAR,
    first_seen    TIMESTAMP
);

CREATE TABLE fetches (
    fetch_id       VARCHAR PRIMARY KEY,
    run_id         VARCHAR,
    lab            VARCHAR,
    document_id    VARCHAR,
    url            VARCHAR,
    final_url      VARCHAR,
    outcome        VARCHAR,   -- new | unchanged | not_modified | failed
    status         INTEGER,
    sha256         VARCHAR,
    etag           VARCHAR,
    last_modified  VARCHAR,
    content_type   VARCHAR,
    error          VARCHAR,
    fetched_at     TIMESTAMP
);

-- A document version is new only when the normalised text changed.
CREATE TABLE versions (
    version_id         VARCHAR PRIMARY KEY,
    lab                VARCHAR NOT NULL,
    document_id        VARCHAR NOT NULL,
    ordinal            INTEGER NOT NULL,
    text_hash          VARCHAR NOT NULL,
    snapshot_sha       VARCHAR,
    source             VARCHAR,
    format             VARCHAR,
    title              VARCHAR,
    published          DATE,
    seen_at            TIMESTAMP NOT NULL,
    n_pages            INTEGER,
    n_passages         INTEGER,
    parser             VARCHAR,
    extractor_version  VARCHAR,
    text               VARCHAR
);

-- Every snapshot that yielded (or re-confirmed) a version.
CREATE TABLE version_snapshots (
    version_id  VARCHAR NOT NULL,
    sha256      VARCHAR NOT NULL,
    seen_at     TIMESTAMP,
    PRIMARY KEY (version_id, sha256)
);

-- Every passage (sentence, list item, table row) with its commitment features.
CREATE TABLE statements (
    statement_id       VARCHAR PRIMARY KEY,
    version_id         VARCHAR NOT NULL,
    lab                VARCHAR NOT NULL,
    document_id        VARCHAR NOT NULL,
    seq                INTEGER NOT NULL,
    kind               VARCHAR,
    page               INTEGER,
    section            VARCHAR,
    char_start         INTEGER,
    char_end           INTEGER,
    text               VARCHAR NOT NULL,
    norm_hash          VARCHAR NOT NULL,
    lead_in            VARCHAR,
    context            VARCHAR,
    is_commitment      BOOLEAN,
    strength           VARCHAR,
    category           VARCHAR,
    negated            BOOLEAN,
    modality           VARCHAR,
    conditions         VARCHAR[],
    numbers            VARCHAR[],
    why                VARCHAR,
    extractor_version  VARCHAR
);

CREATE TABLE embeddings (
    model      VARCHAR NOT NULL,
    text_hash  VARCHAR NOT NULL,
    vector     FLOAT[] NOT NULL,
    PRIMARY KEY (model, text_hash)
);

-- Ranked criteria per statement; suggested = above the matcher's threshold.
CREATE TABLE matches (
    match_id         VARCHAR NOT NULL,
    statement_id     VARCHAR NOT NULL,
    lab              VARCHAR NOT NULL,
    document_id      VARCHAR NOT NULL,
    version_id       VARCHAR NOT NULL,
    criterion_id     VARCHAR NOT NULL,
    score            DOUBLE,
    rank             INTEGER,
    suggested        BOOLEAN,
    why              VARCHAR,
    model            VARCHAR,
    rubric           VARCHAR,
    rubric_version   VARCHAR,
    matcher_version  VARCHAR,
    PRIMARY KEY (statement_id, criterion_id)
);

-- Append-only. Self-contained (lab, document, normalised text hash, criterion) so that an event
-- can be replayed into any warehouse, whatever its row ids.
CREATE TABLE review_events (
    event_id      VARCHAR PRIMARY KEY,
    match_id      VARCHAR NOT NULL,
    lab           VARCHAR NOT NULL,
    document_id   VARCHAR NOT NULL,
    norm_hash     VARCHAR NOT NULL,
    text          VARCHAR,
    criterion_id  VARCHAR NOT NULL,
    reviewer      VARCHAR NOT NULL,
    decision      VARCHAR NOT NULL,  -- confirmed | rejected | withdrawn
    credit        DOUBLE,
    note          VARCHAR,
    created_at    TIMESTAMP NOT NULL,
    origin        VARCHAR            -- cli | dashboard | import | eval
);

-- Derived from review_events (rebuilt whenever events are loaded): the standing decision.
CREATE TABLE decisions (
    match_id      VARCHAR PRIMARY KEY,
    lab           VARCHAR,
    document_id   VARCHAR,
    norm_hash     VARCHAR,
    text          VARCHAR,
    criterion_id  VARCHAR,
    decision      VARCHAR,
    credit        DOUBLE,
    reviewer      VARCHAR,
    note          VARCHAR,
    decided_at    TIMESTAMP,
    event_id      VARCHAR,
    n_events      INTEGER,
    disagreement  BOOLEAN
);

CREATE TABLE rubric_criteria (
    rubric           VARCHAR NOT NULL,
    rubric_version   VARCHAR NOT NULL,
    criterion_id     VARCHAR NOT NULL,
    category         VARCHAR NOT NULL,
    category_weight  DOUBLE NOT NULL,
    weight           DOUBLE NOT NULL,
    parent           VARCHAR,
    scored           BOOLEAN NOT NULL,
    description      VARCHAR,
    PRIMARY KEY (rubric, criterion_id)
);

CREATE TABLE runs (
    run_id       VARCHAR PRIMARY KEY,
    kind         VARCHAR,
    started_at   TIMESTAMP,
    finished_at  TIMESTAMP,
    status       VARCHAR,
    args         VARCHAR,
    summary      VARCHAR,
    n_failures   INTEGER
);

CREATE TABLE failures (
    run_id       VARCHAR,
    failed_at    TIMESTAMP,
    stage        VARCHAR,
    lab          VARCHAR,
    document_id  VARCHAR,
    source       VARCHAR,
    reason       VARCHAR
);

CREATE TABLE changes (
    change_id        VARCHAR PRIMARY KEY,
    lab              VARCHAR,
    document_id      VARCHAR,
    old_version_id   VARCHAR,
    new_version_id   VARCHAR,
    kind             VARCHAR,
    reason           VARCHAR,
    old_text         VARCHAR,
    new_text         VARCHAR,
    criteria         VARCHAR[],
    published        DATE,
    changes_version  VARCHAR
);

-- Content hashes of corpus files already ingested: an unchanged re-run is decided from these
-- before any model or parser starts.
CREATE TABLE inputs (
    path         VARCHAR PRIMARY KEY,
    size         BIGINT,
    mtime_ns     BIGINT,
    sha256       VARCHAR,
    lab          VARCHAR,
    document_id  VARCHAR,
    pipeline     VARCHAR,
    seen_at      TIMESTAMP
);
