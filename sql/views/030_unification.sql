CREATE VIEW @extschema@.contactsync_conflicts AS
  SELECT c.unified_contact_id,
         c.channel AS platform_type,
         c.platform_name,
         c.external_member_id,
         c.customer_id,
         'customer_id_multiple'::text AS conflict_reason,
         m.workspace,
         m.contact_id,
         m.conflict_id,
         ids.customer_ids,
         m.linked_by
    FROM @extschema@.contactsync_conflict_member m
    JOIN @extschema@.contactsync_contact c
      ON c.workspace OPERATOR(pg_catalog.=) m.workspace AND c.id OPERATOR(pg_catalog.=) m.contact_id
    JOIN (SELECT m2.workspace, m2.conflict_id,
                 pg_catalog.array_agg(DISTINCT c2.customer_id ORDER BY c2.customer_id)
                   FILTER (WHERE c2.customer_id IS NOT NULL) AS customer_ids
            FROM @extschema@.contactsync_conflict_member m2
            JOIN @extschema@.contactsync_contact c2
              ON c2.workspace OPERATOR(pg_catalog.=) m2.workspace AND c2.id OPERATOR(pg_catalog.=) m2.contact_id
           GROUP BY m2.workspace, m2.conflict_id) AS ids
      ON ids.workspace OPERATOR(pg_catalog.=) m.workspace AND ids.conflict_id OPERATOR(pg_catalog.=) m.conflict_id;
COMMENT ON VIEW @extschema@.contactsync_conflicts IS
  'One row per contact in a Customer-ID conflict: the MAAC conflict-list columns, then workspace, contact_id, conflict_id, the conflicting customer_ids and the identifier that links the contact across the conflict.';

CREATE VIEW @extschema@.contactsync_unified_profiles AS
  SELECT c.workspace,
         c.unified_contact_id,
         pg_catalog.count(*) AS contacts,
         pg_catalog.array_agg(c.id ORDER BY c.id) AS contact_ids,
         pg_catalog.array_agg(DISTINCT c.channel) AS channels,
         pg_catalog.array_agg(DISTINCT c.customer_id) FILTER (WHERE c.customer_id IS NOT NULL) AS customer_ids,
         pg_catalog.array_agg(DISTINCT c.email) FILTER (WHERE c.email IS NOT NULL) AS emails,
         -- the phone space: both columns of every member
         (SELECT pg_catalog.array_agg(DISTINCT p.phone ORDER BY p.phone)
            FROM pg_catalog.unnest(pg_catalog.array_agg(c.phone) OPERATOR(pg_catalog.||)
                                   pg_catalog.array_agg(c.whatsapp_mobile)) AS p(phone)
           WHERE p.phone IS NOT NULL) AS phones,
         pg_catalog.array_agg(DISTINCT c.line_uid) FILTER (WHERE c.line_uid IS NOT NULL) AS line_uids,
         pg_catalog.array_agg(DISTINCT c.name) FILTER (WHERE c.name IS NOT NULL) AS names
    FROM @extschema@.contactsync_contact c
   WHERE c.unified_contact_id IS NOT NULL
   GROUP BY c.workspace, c.unified_contact_id;
COMMENT ON VIEW @extschema@.contactsync_unified_profiles IS
  'One row per person (unified contact): its member contacts, channels and identifiers.';
