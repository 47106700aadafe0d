-- Undo of an import batch (SPEC §3): created contacts are deleted, updated
-- ones get their previous values back, unless they changed again since.
CREATE TYPE @extschema@.contactsync_undo_result AS (
  batch_id bigint, deleted bigint, restored bigint, kept bigint);
COMMENT ON TYPE @extschema@.contactsync_undo_result IS
  'What contactsync_undo did: contacts deleted, restored, and kept because they changed since.';

CREATE FUNCTION @extschema@.contactsync_undo(batch_id bigint)
RETURNS @extschema@.contactsync_undo_result
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  b @extschema@.contactsync_import_batch;
  id_given constant bigint := $1;
  touched bigint[];
  kept_list text;
  deleted bigint;
  restored bigint;
  kept bigint;
BEGIN
  SELECT * INTO b FROM @extschema@.contactsync_import_batch ib WHERE ib.id OPERATOR(pg_catalog.=) id_given;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING
      ERRCODE = 'undefined_object',
      MESSAGE = pg_catalog.format('import batch %s does not exist', id_given),
      HINT = 'See contactsync_import_batch for the batches.';
  END IF;
  IF b.dry_run THEN
    RAISE EXCEPTION USING
      ERRCODE = 'invalid_parameter_value',
      MESSAGE = pg_catalog.format('import batch %s was a dry run', b.id),
      DETAIL = 'A dry run changed no contact, so there is nothing to undo.',
      HINT = 'Undo a batch that was imported for real.';
  END IF;
  IF b.status OPERATOR(pg_catalog.=) 'undone' THEN
    RAISE EXCEPTION USING
      ERRCODE = 'invalid_parameter_value',
      MESSAGE = pg_catalog.format('import batch %s was already undone', b.id),
      DETAIL = 'Its created contacts were deleted and its updated contacts restored already.',
      HINT = 'A batch can be undone once; contactsync_import_batch.undone_at tells when.';
  END IF;

  -- The workspace lock of imports and unification (class 0x63730001 and
  -- the hash of the workspace name, as src/import.c takes it).
  PERFORM pg_catalog.pg_advisory_xact_lock(1668481025, pg_catalog.hashtext(b.workspace));

  -- The batch's created and updated contacts, and whether each changed since:
  -- its updated_at is no longer the batch's, or a later batch touched it.
  IF pg_catalog.to_regclass('pg_temp.contactsync_undo_rows') IS NOT NULL THEN
    DROP TABLE pg_temp.contactsync_undo_rows;
  END IF;
  CREATE TEMP TABLE contactsync_undo_rows ON COMMIT DROP AS
  WITH later AS MATERIALIZED (
    -- Contacts that later completed batches created or updated, each with
    -- the latest such batch.
    SELECT r2.contact_id, pg_catalog.max(r2.batch_id) AS batch_id
      FROM @extschema@.contactsync_import_row r2
      JOIN @extschema@.contactsync_import_batch b2
        ON b2.workspace OPERATOR(pg_catalog.=) r2.workspace AND b2.id OPERATOR(pg_catalog.=) r2.batch_id
     WHERE r2.workspace OPERATOR(pg_catalog.=) b.workspace AND r2.batch_id OPERATOR(pg_catalog.>) b.id
       AND r2.status OPERATOR(pg_catalog.=) ANY (ARRAY['created', 'updated'])
       AND NOT b2.dry_run AND b2.status OPERATOR(pg_catalog.=) 'completed'
     GROUP BY r2.contact_id)
  SELECT r.contact_id, r.status, r.previous, c.id IS NOT NULL AS present,
         (c.id IS NOT NULL AND c.updated_at OPERATOR(pg_catalog.<>) b.xact_time) AS changed,
         l.batch_id AS later_batch
    FROM @extschema@.contactsync_import_row r
    LEFT JOIN @extschema@.contactsync_contact c
      ON c.workspace OPERATOR(pg_catalog.=) r.workspace AND c.id OPERATOR(pg_catalog.=) r.contact_id
    LEFT JOIN later l ON l.contact_id OPERATOR(pg_catalog.=) r.contact_id
   WHERE r.workspace OPERATOR(pg_catalog.=) b.workspace AND r.batch_id OPERATOR(pg_catalog.=) b.id
     AND r.status OPERATOR(pg_catalog.=) ANY (ARRAY['created', 'updated']);

  -- Everyone grouped with what the undo touches, before it changes.
  SELECT pg_catalog.array_agg(DISTINCT o.id) INTO touched
    FROM pg_temp.contactsync_undo_rows u
    JOIN @extschema@.contactsync_contact c
      ON c.workspace OPERATOR(pg_catalog.=) b.workspace AND c.id OPERATOR(pg_catalog.=) u.contact_id
    JOIN @extschema@.contactsync_contact o
      ON o.workspace OPERATOR(pg_catalog.=) b.workspace
     AND (o.id OPERATOR(pg_catalog.=) c.id OR o.unified_contact_id OPERATOR(pg_catalog.=) c.unified_contact_id)
   WHERE NOT u.changed AND u.later_batch IS NULL;
  -- And everyone in a conflict with them: a contact that linked two
  -- customer_id groups was a person of its own, so the members of the
  -- other groups in its conflict have other unified_contact_ids.
  SELECT pg_catalog.array_agg(DISTINCT x.id) INTO touched
    FROM (SELECT pg_catalog.unnest(touched) AS id
          UNION ALL
          SELECT m2.contact_id
            FROM @extschema@.contactsync_conflict_member m1
            JOIN @extschema@.contactsync_conflict_member m2
              ON m2.workspace OPERATOR(pg_catalog.=) m1.workspace
             AND m2.conflict_id OPERATOR(pg_catalog.=) m1.conflict_id
           WHERE m1.workspace OPERATOR(pg_catalog.=) b.workspace
             AND m1.contact_id OPERATOR(pg_catalog.=) ANY (touched)) AS x;

  DELETE FROM @extschema@.contactsync_contact c
   USING pg_temp.contactsync_undo_rows u
   WHERE c.workspace OPERATOR(pg_catalog.=) b.workspace AND c.id OPERATOR(pg_catalog.=) u.contact_id
     AND u.status OPERATOR(pg_catalog.=) 'created' AND NOT u.changed AND u.later_batch IS NULL;
  GET DIAGNOSTICS deleted = ROW_COUNT;

  -- previous holds the fields the import changed (every field, for batches
  -- of 0.1.0); a field it does not hold keeps its value.
  UPDATE @extschema@.contactsync_contact c
     SET
         platform_name = CASE WHEN u.previous OPERATOR(pg_catalog.?) 'platform_name' THEN p.platform_name ELSE c.platform_name END,
         line_uid = CASE WHEN u.previous OPERATOR(pg_catalog.?) 'line_uid' THEN p.line_uid ELSE c.line_uid END,
         email = CASE WHEN u.previous OPERATOR(pg_catalog.?) 'email' THEN p.email ELSE c.email END,
         phone = CASE WHEN u.previous OPERATOR(pg_catalog.?) 'phone' THEN p.phone ELSE c.phone END,
         whatsapp_mobile = CASE WHEN u.previous OPERATOR(pg_catalog.?) 'whatsapp_mobile' THEN p.whatsapp_mobile ELSE c.whatsapp_mobile END,
         customer_id = CASE WHEN u.previous OPERATOR(pg_catalog.?) 'customer_id' THEN p.customer_id ELSE c.customer_id END,
         fb_id = CASE WHEN u.previous OPERATOR(pg_catalog.?) 'fb_id' THEN p.fb_id ELSE c.fb_id END,
         ig_id = CASE WHEN u.previous OPERATOR(pg_catalog.?) 'ig_id' THEN p.ig_id ELSE c.ig_id END,
         name = CASE WHEN u.previous OPERATOR(pg_catalog.?) 'name' THEN p.name ELSE c.name END,
         note = CASE WHEN u.previous OPERATOR(pg_catalog.?) 'note' THEN p.note ELSE c.note END,
         gender = CASE WHEN u.previous OPERATOR(pg_catalog.?) 'gender' THEN p.gender ELSE c.gender END,
         birthday = CASE WHEN u.previous OPERATOR(pg_catalog.?) 'birthday' THEN p.birthday ELSE c.birthday END,
         tags = CASE WHEN u.previous OPERATOR(pg_catalog.?) 'tags' THEN p.tags ELSE c.tags END,
         messaging_status = CASE WHEN u.previous OPERATOR(pg_catalog.?) 'messaging_status' THEN p.messaging_status ELSE c.messaging_status END,
         consent_source = CASE WHEN u.previous OPERATOR(pg_catalog.?) 'consent_source' THEN p.consent_source ELSE c.consent_source END,
         consent_at = CASE WHEN u.previous OPERATOR(pg_catalog.?) 'consent_at' THEN p.consent_at ELSE c.consent_at END,
         custom = CASE WHEN u.previous OPERATOR(pg_catalog.?) 'custom' THEN p.custom ELSE c.custom END,
         unify_split = CASE WHEN u.previous OPERATOR(pg_catalog.?) 'unify_split' THEN p.unify_split ELSE c.unify_split END,
         updated_at = CASE WHEN u.previous OPERATOR(pg_catalog.?) 'updated_at' THEN p.updated_at ELSE c.updated_at END
    FROM pg_temp.contactsync_undo_rows u,
         LATERAL pg_catalog.jsonb_populate_record(NULL::@extschema@.contactsync_contact, u.previous) AS p
   WHERE c.workspace OPERATOR(pg_catalog.=) b.workspace AND c.id OPERATOR(pg_catalog.=) u.contact_id
     AND u.status OPERATOR(pg_catalog.=) 'updated' AND NOT u.changed AND u.later_batch IS NULL
     AND u.previous IS NOT NULL;
  GET DIAGNOSTICS restored = ROW_COUNT;

  SELECT pg_catalog.count(*),
         pg_catalog.string_agg(pg_catalog.format('%s (%s)', u.contact_id,
           CASE WHEN u.later_batch IS NOT NULL THEN 'changed by batch ' OPERATOR(pg_catalog.||) u.later_batch
                ELSE 'changed outside an import' END), ', ' ORDER BY u.contact_id)
    INTO kept, kept_list
    FROM pg_temp.contactsync_undo_rows u
   WHERE u.present AND (u.changed OR u.later_batch IS NOT NULL);

  UPDATE @extschema@.contactsync_import_batch ib
     SET status = 'undone', undone_at = pg_catalog.clock_timestamp(),
         params = ib.params OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(
           'undo', pg_catalog.jsonb_build_object('deleted', deleted, 'restored', restored, 'kept', kept,
                                                 'kept_contacts', kept_list))
   WHERE ib.workspace OPERATOR(pg_catalog.=) b.workspace AND ib.id OPERATOR(pg_catalog.=) b.id;

  IF touched IS NOT NULL THEN
    PERFORM @extschema@.contactsync_unify_contacts(b.workspace, touched);
  END IF;
  IF kept OPERATOR(pg_catalog.>) 0 THEN
    RAISE NOTICE USING
      MESSAGE = pg_catalog.format('contactsync: undo of batch %s kept %s contacts that changed since', b.id, kept),
      DETAIL = pg_catalog.left(kept_list, 2000);
  END IF;
  RETURN ROW(b.id, deleted, restored, kept)::@extschema@.contactsync_undo_result;
END
$fn$;
COMMENT ON FUNCTION @extschema@.contactsync_undo(bigint) IS
  'Reverses an import batch: deletes the contacts it created, restores the previous values of those it updated, keeps (and reports) contacts changed since, and regroups what it touched.';
