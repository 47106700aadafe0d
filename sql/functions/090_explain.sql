-- Why a contact is, or is not, merged with the contacts it shares an
-- identifier with.
CREATE TYPE @extschema@.contactsync_explanation AS (
  contact_id bigint, linked_contact_id bigint, via_key text, via_value text,
  merged boolean, reason text);
COMMENT ON TYPE @extschema@.contactsync_explanation IS
  'A row of contactsync_explain: one identifier link of a contact and why it does or does not merge.';

CREATE FUNCTION @extschema@.contactsync_explain(contact_id bigint)
RETURNS SETOF @extschema@.contactsync_explanation
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  x @extschema@.contactsync_contact;
  keys text[];
BEGIN
  SELECT * INTO x FROM @extschema@.contactsync_contact c
   WHERE c.id OPERATOR(pg_catalog.=) contactsync_explain.contact_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING
      ERRCODE = 'no_data_found',
      MESSAGE = pg_catalog.format('contact %s does not exist', contactsync_explain.contact_id),
      HINT = 'See contactsync_contact for contact ids.';
  END IF;
  SELECT s.unify_keys INTO keys FROM @extschema@.contactsync_settings s
   WHERE s.workspace OPERATOR(pg_catalog.=) x.workspace;
  keys := COALESCE(keys, ARRAY['email', 'phone', 'customer_id', 'line_uid', 'whatsapp_mobile', 'fb_id', 'ig_id']);

  RETURN QUERY
  WITH mine(k, field, v) AS (
    VALUES ('email', 'email', x.email), ('phone', 'phone', x.phone),
           ('phone', 'whatsapp_mobile', x.whatsapp_mobile), ('line_uid', 'line_uid', x.line_uid),
           ('fb_id', 'fb_id', x.fb_id), ('ig_id', 'ig_id', x.ig_id),
           ('customer_id', 'customer_id', x.customer_id)),
  links AS (
    SELECT DISTINCT ON (y.id, m.k, m.v) y.*, m.k AS via_k, m.v AS via_v, m.field AS via_field
      FROM mine m
      JOIN @extschema@.contactsync_contact y
        ON y.workspace OPERATOR(pg_catalog.=) x.workspace
       AND y.id OPERATOR(pg_catalog.<>) x.id
       AND m.v IS NOT NULL
       AND CASE m.k WHEN 'email' THEN y.email OPERATOR(pg_catalog.=) m.v
                    WHEN 'phone' THEN (y.phone OPERATOR(pg_catalog.=) m.v OR y.whatsapp_mobile OPERATOR(pg_catalog.=) m.v)
                    WHEN 'line_uid' THEN y.line_uid OPERATOR(pg_catalog.=) m.v
                    WHEN 'fb_id' THEN y.fb_id OPERATOR(pg_catalog.=) m.v
                    WHEN 'ig_id' THEN y.ig_id OPERATOR(pg_catalog.=) m.v
                    ELSE y.customer_id OPERATOR(pg_catalog.=) m.v END
     ORDER BY y.id, m.k, m.v)
  SELECT x.id, l.id, l.via_k, l.via_v,
         COALESCE(x.unified_contact_id OPERATOR(pg_catalog.=) l.unified_contact_id, false),
         CASE
           WHEN x.unify_split OR l.unify_split THEN
             pg_catalog.format('not merged: contact %s is split out of unification',
                               CASE WHEN x.unify_split THEN x.id ELSE l.id END)
           -- phone and whatsapp_mobile are one phone space: either key brings both.
           WHEN l.via_k OPERATOR(pg_catalog.<>) 'customer_id'
                AND NOT CASE WHEN l.via_k OPERATOR(pg_catalog.=) 'phone'
                             THEN keys OPERATOR(pg_catalog.&&) ARRAY['phone', 'whatsapp_mobile']
                             ELSE l.via_field OPERATOR(pg_catalog.=) ANY (keys) END
             THEN pg_catalog.format('%s is not a unify key of workspace %s',
                                    CASE WHEN l.via_k OPERATOR(pg_catalog.=) 'phone'
                                         THEN 'phone (or whatsapp_mobile)' ELSE l.via_field END, x.workspace)
           WHEN x.unified_contact_id IS NULL OR l.unified_contact_id IS NULL THEN
             'not unified yet: run contactsync_unify or import with unify => true'
           WHEN l.via_k OPERATOR(pg_catalog.=) 'customer_id'
                AND x.unified_contact_id OPERATOR(pg_catalog.=) l.unified_contact_id THEN
             pg_catalog.format('same customer_id: one person (%s)', x.unified_contact_id)
           WHEN x.unified_contact_id OPERATOR(pg_catalog.=) l.unified_contact_id THEN
             pg_catalog.format('shared %s: one person (%s)', l.via_k, x.unified_contact_id)
           WHEN x.customer_id IS NOT NULL AND l.customer_id IS NOT NULL
                AND x.customer_id OPERATOR(pg_catalog.<>) l.customer_id THEN
             pg_catalog.format('not merged: customer_ids %s and %s differ (conflict)', x.customer_id, l.customer_id)
           WHEN EXISTS (SELECT 1 FROM @extschema@.contactsync_conflicts cf
                         WHERE cf.workspace OPERATOR(pg_catalog.=) x.workspace
                           AND cf.contact_id OPERATOR(pg_catalog.=) x.id) THEN
             pg_catalog.format('not merged: the link would join customer_ids %s (conflict %s)',
               (SELECT pg_catalog.array_to_string(cf.customer_ids, ', ') FROM @extschema@.contactsync_conflicts cf
                 WHERE cf.workspace OPERATOR(pg_catalog.=) x.workspace AND cf.contact_id OPERATOR(pg_catalog.=) x.id
                 ORDER BY cf.conflict_id LIMIT 1),
               (SELECT cf.conflict_id FROM @extschema@.contactsync_conflicts cf
                 WHERE cf.workspace OPERATOR(pg_catalog.=) x.workspace AND cf.contact_id OPERATOR(pg_catalog.=) x.id
                 ORDER BY cf.conflict_id LIMIT 1))
           WHEN EXISTS (SELECT 1 FROM @extschema@.contactsync_conflicts cf
                         WHERE cf.workspace OPERATOR(pg_catalog.=) x.workspace
                           AND cf.contact_id OPERATOR(pg_catalog.=) l.id) THEN
             pg_catalog.format('not merged: contact %s is in a Customer-ID conflict', l.id)
           ELSE 'not merged: the groups changed since the last unification'
         END
    FROM links l
   ORDER BY l.id, l.via_k;
END
$fn$;
COMMENT ON FUNCTION @extschema@.contactsync_explain(bigint) IS
  'For each identifier value a contact shares with other contacts: the linked contact, the key and value, whether they are one person, and why.';
