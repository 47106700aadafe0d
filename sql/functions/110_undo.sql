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
  SELECT r.contact_id, r.status, r.previous, c.id IS NOT NULL AS present,
         (c.id IS NOT NULL AND c.updated_at OPERATOR(pg_catalog.<>) b.xact_time) AS changed,
         (SELECT pg_catalog.max(r2.batch_id) FROM @extschema@.contactsync_import_row r2
           JOIN @extschema@.contactsync_import_batch b2
             ON b2.workspace OPERATOR(pg_catalog.=) r2.workspace AND b2.id OPERATOR(pg_catalog.=) r2.batch_id
          WHERE r2.workspace OPERATOR(pg_catalog.=) b.workspace
            AND r2.contact_id OPERATOR(pg_catalog.=) r.contact_id
            AND r2.batch_id OPERATOR(pg_catalog.>) b.id
            AND r2.status OPERATOR(pg_catalog.=) ANY (ARRAY['created', 'updated'])
            AND NOT b2.dry_run AND b2.status OPERATOR(pg_catalog.=) 'completed') AS later_batch
    FROM @extschema@.contactsync_import_row r
    LEFT JOIN @extschema@.contactsync_contact c
      ON c.workspace OPERATOR(pg_catalog.=) r.workspace AND c.id OPERATOR(pg_catalog.=) r.contact_id
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

  DELETE FROM @extschema@.contactsync_contact c
   USING pg_temp.contactsync_undo_rows u
   WHERE c.workspace OPERATOR(pg_catalog.=) b.workspace AND c.id OPERATOR(pg_catalog.=) u.contact_id
     AND u.status OPERATOR(pg_catalog.=) 'created' AND NOT u.changed AND u.later_batch IS NULL;
  GET DIAGNOSTICS deleted = ROW_COUNT;

  UPDATE @extschema@.contactsync_contact c
     SET platform_name = p.platform_name, line_uid = p.line_uid, email = p.email, phone = p.phone,
         whatsapp_mobile = p.whatsapp_mobile, customer_id = p.customer_id, fb_id = p.fb_id, ig_id = p.ig_id,
         name = p.name, note = p.note, gender = p.gender, birthday = p.birthday, tags = p.tags,
         messaging_status = p.messaging_status, consent_source = p.consent_source, consent_at = p.consent_at,
         custom = p.custom, unify_split = p.unify_split, updated_at = p.updated_at
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
