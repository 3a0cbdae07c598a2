#!/usr/bin/env bash
# The PostgreSQL side of the search comparison: loads the corpus of `chat-bench --bin search`
# (MESSAGES messages of 8 words drawn from its 40-word vocabulary, a link in every 20th, 20
# authors, 10 channels) into a fresh database with a full-text GIN index (tsvector, `simple`
# configuration) and a pg_trgm GIN index, then times RUNS (default 200) searches of each kind
# with pgbench, one client, as the engine's search answers them: the newest 25 matches and
# the count of all.
#   benches/search_postgres.sh POSTGRES_URL [MESSAGES]
# POSTGRES_URL names a server without a database (postgres://postgres@127.0.0.1:55432).
set -euo pipefail
pg=$1 count=${2:-1000000} runs=${RUNS:-200}
bin=$(dirname "$(ls /usr/lib/postgresql/*/bin/pgbench | sort -V | tail -n 1)")
db="chat_search_$(date +%s%N)"
work=$(mktemp -d)
trap 'psql -q "$pg/postgres" -c "DROP DATABASE IF EXISTS $db" >/dev/null; rm -rf "$work"' EXIT
psql -q "$pg/postgres" -c "CREATE DATABASE $db" >/dev/null
url="$pg/$db"

words="rust borrow checker lifetime quokka async tokio channel server message search index
tantivy thread gateway session presence permission overwrite category invite member reaction
pinned typing voice embed attachment notification markdown spoiler emoji mention compiler
trait generic closure iterator vector string"
vocabulary=$(printf "'%s'," $words)

started=$(date +%s.%N)
psql -q -v ON_ERROR_STOP=1 "$url" >/dev/null <<SQL
CREATE EXTENSION pg_trgm;
CREATE TABLE words (i int PRIMARY KEY, w text NOT NULL);
INSERT INTO words SELECT i, w FROM unnest(ARRAY[${vocabulary%,}]) WITH ORDINALITY AS t(w, i);
CREATE TABLE messages (
  id bigint PRIMARY KEY,
  channel int NOT NULL,
  author int NOT NULL,
  has_link bool NOT NULL,
  content text NOT NULL,
  tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', content)) STORED
);
INSERT INTO messages (id, channel, author, has_link, content)
SELECT n, floor(random() * 10), 1 + floor(random() * 20), n % 20 = 0,
  (SELECT string_agg((ARRAY[${vocabulary%,}])[1 + floor(random() * 40)::int], ' ')
     FROM generate_series(1, 8 + 0 * n))
  || CASE WHEN n % 20 = 0 THEN ' https://example.com/docs' ELSE '' END
FROM generate_series(1, $count) AS n;
CREATE INDEX messages_tsv ON messages USING gin (tsv);
CREATE INDEX messages_trgm ON messages USING gin (content gin_trgm_ops);
CREATE INDEX messages_author ON messages (author, id);
VACUUM ANALYZE messages;
SQL
echo "loaded and indexed $count messages in $(echo "$(date +%s.%N) - $started" | bc) s" >&2
psql -Atq "$url" -c "SELECT pg_size_pretty(pg_relation_size('messages_tsv')) || ' full-text index, '
  || pg_size_pretty(pg_relation_size('messages_trgm')) || ' trigram index, '
  || pg_size_pretty(pg_relation_size('messages')) || ' table'" >&2

cat >"$work/word.sql" <<'SQL'
\set w random(1, 40)
SELECT id, count(*) OVER () AS total FROM messages
WHERE tsv @@ to_tsquery('simple', (SELECT w FROM words WHERE i = :w))
ORDER BY id DESC LIMIT 25;
SQL
cat >"$work/part.sql" <<'SQL'
\set w random(1, 40)
SELECT id, count(*) OVER () AS total FROM messages
WHERE content ILIKE '%' || (SELECT left(w, 4) FROM words WHERE i = :w) || '%'
ORDER BY id DESC LIMIT 25;
SQL
cat >"$work/filtered.sql" <<'SQL'
\set w random(1, 40)
\set a random(1, 20)
SELECT id, count(*) OVER () AS total FROM messages
WHERE tsv @@ to_tsquery('simple', (SELECT w FROM words WHERE i = :w))
  AND author = :a AND has_link
ORDER BY id DESC LIMIT 25;
SQL

for kind in word part filtered; do
  (cd "$work" && "$bin/pgbench" -n -c 1 -t "$runs" -f "$kind.sql" -l --log-prefix="$kind" "$url" >/dev/null 2>&1)
  # Each log line: client, transaction, latency in µs, ...
  cat "$work/$kind".[0-9]* | awk '{ print $3 }' | sort -n | awk -v kind="$kind" '
    { v[NR] = $1 }
    END {
      q = "p50 p95 p99"; split("0.50 0.95 0.99", at, " ")
      printf "%-9s n=%d", kind, NR
      for (i = 1; i <= 3; i++) { k = int(NR * at[i]); if (k < 1) k = 1; printf " p%d=%.2f ms", at[i] * 100, v[k] / 1000 }
      printf "\n"
    }'
done
