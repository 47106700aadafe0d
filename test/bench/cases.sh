#!/usr/bin/env bash
# The cases the import, unification and scale benchmarks share, as SQL text
# for `timed`: contactsync imports of staging tables, their plain-SQL
# baselines, and the plain-SQL unification baseline.  Sourced by lib.sh.
#
# A staging table is named with its key and channel as "table:key:channel";
# its columns are named like the store's (line_uid, email, phone,
# whatsapp_mobile, customer_id, name, note, tags, messaging_status).

# The channel primary key column of a channel.
channel_pk() {
  case "$1" in
    line) echo line_uid ;;
    email) echo email ;;
    whatsapp) echo whatsapp_mobile ;;
    sms) echo phone ;;
    *) echo "unknown channel $1" >&2; return 1 ;;
  esac
}

# contactsync_import of each staging table in turn, in one script (national
# phone numbers are Taiwanese).
import_sql() {
  local spec table key channel sql="SET contactsync.default_region = 'TW'"
  for spec in "$@"; do
    IFS=: read -r table key channel <<<"$spec"
    sql+=";
SELECT * FROM public.contactsync_import('public.$table', '$key', channel => '$channel')"
  done
  printf '%s' "$sql"
}

# The plain-SQL baseline of importing the same staging tables into
# public.baseline, a table like the store (LIKE contactsync_contact
# INCLUDING ALL: same columns, defaults and indexes), without validation or
# normalisation.  Rows without the channel primary key are left out (the
# table's constraint refuses them).  insert: INSERT ... SELECT.  upsert:
# INSERT ... ON CONFLICT DO UPDATE, where a blank cell keeps the stored value
# and tags are appended, as plain SQL would write the merge.
baseline_sql() {
  local mode=$1 spec table key channel pk cols c sel set sql=""
  shift
  for spec in "$@"; do
    IFS=: read -r table key channel <<<"$spec"
    pk=$(channel_pk "$channel")
    cols=$(psql_q -At -c "SELECT pg_catalog.string_agg(attname::text, ' ' ORDER BY attnum)
      FROM pg_catalog.pg_attribute WHERE attrelid = 'public.$table'::pg_catalog.regclass
       AND attnum > 0 AND NOT attisdropped")
    sel="" set=""
    for c in $cols; do
      if [ "$c" = tags ]; then
        sel+=", COALESCE(pg_catalog.string_to_array(s.tags, ','), '{}')"
        set+=", tags = pg_catalog.array_cat(b.tags, excluded.tags)"
      else
        sel+=", s.$c"
        [ "$c" = "$pk" ] || set+=", $c = COALESCE(excluded.$c, b.$c)"
      fi
    done
    sql+="${sql:+;
}INSERT INTO public.baseline AS b (workspace, channel, ${cols// /, })
  SELECT 'default', '$channel'$sel FROM public.$table s WHERE s.$pk IS NOT NULL"
    if [ "$mode" = upsert ]; then
      sql+="
  ON CONFLICT (workspace, channel, external_member_id) DO UPDATE SET updated_at = pg_catalog.now()$set"
    fi
  done
  printf '%s' "$sql"
}

# The plain-SQL unification baseline: connected components of the store's
# contacts by minimum-label propagation over the shared values (email, the
# phone space, customer_id), in temporary tables, until nothing changes.
# It does not touch the store and applies no Customer-ID rule.
unify_baseline_sql() {
  cat <<'SQL'
CREATE TEMP TABLE v AS
  SELECT id, 'e' || email AS val FROM public.contactsync_contact WHERE email IS NOT NULL
  UNION ALL SELECT id, 'p' || phone FROM public.contactsync_contact WHERE phone IS NOT NULL
  UNION ALL SELECT id, 'p' || whatsapp_mobile FROM public.contactsync_contact WHERE whatsapp_mobile IS NOT NULL
  UNION ALL SELECT id, 'c' || customer_id FROM public.contactsync_contact WHERE customer_id IS NOT NULL;
CREATE TEMP TABLE edge AS
  SELECT v1.id AS a, v2.id AS b FROM pg_temp.v v1 JOIN pg_temp.v v2 ON v1.val = v2.val AND v1.id <> v2.id;
CREATE INDEX ON pg_temp.edge (a);
CREATE TEMP TABLE lbl AS SELECT id, id AS l FROM public.contactsync_contact;
CREATE UNIQUE INDEX ON pg_temp.lbl (id);
ANALYZE pg_temp.edge; ANALYZE pg_temp.lbl;
DO $$
DECLARE n bigint;
BEGIN
  LOOP
    UPDATE pg_temp.lbl SET l = m.l
      FROM (SELECT e.a AS id, pg_catalog.min(l2.l) AS l
              FROM pg_temp.edge e JOIN pg_temp.lbl l2 ON l2.id = e.b GROUP BY e.a) m
     WHERE lbl.id = m.id AND m.l < lbl.l;
    GET DIAGNOSTICS n = ROW_COUNT;
    EXIT WHEN n = 0;
  END LOOP;
END
$$
SQL
}
