-- The "download template" of the source platforms: a staging table with the
-- channel's template columns plus one cl_custom_ column per active custom
-- field, all text, in a fixed order.  No pinned search_path: an unqualified
-- table name is created where the caller's own CREATE TABLE would put it.
-- Everything else in the body is schema-qualified, operators and types
-- included: a type named text in a schema before pg_catalog must neither
-- run (a domain's CHECK would, with the caller's rights) nor type a column.
CREATE FUNCTION @extschema@.contactsync_create_staging(
  name text, channel text DEFAULT 'line', workspace text DEFAULT 'default')
RETURNS regclass
LANGUAGE plpgsql
AS $fn$
DECLARE
  target pg_catalog.text[];
  cols pg_catalog.text;
BEGIN
  IF name IS NULL OR name OPERATOR(pg_catalog.=) '' THEN
    RAISE EXCEPTION USING
      ERRCODE = 'invalid_name',
      MESSAGE = 'staging table name must not be NULL or empty',
      HINT = 'Pass a name such as ''staging'' or ''imports.staging''.';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM @extschema@.contactsync_channel_fields() f
                  WHERE f.channel OPERATOR(pg_catalog.=) contactsync_create_staging.channel) THEN
    RAISE EXCEPTION USING
      ERRCODE = 'invalid_parameter_value',
      MESSAGE = pg_catalog.format('unknown channel %L', channel),
      DETAIL = 'Staging tables exist for the importable channels only.',
      HINT = 'Use line, email, whatsapp or sms.';
  END IF;

  -- The name may be schema-qualified and quoted, as in CREATE TABLE.
  target := pg_catalog.parse_ident(name);

  SELECT pg_catalog.string_agg(pg_catalog.quote_ident(c) OPERATOR(pg_catalog.||) ' pg_catalog.text', ', ' ORDER BY o)
    INTO cols
    FROM (SELECT f.field AS c, f.template_position AS o
            FROM @extschema@.contactsync_channel_fields() f
           WHERE f.channel OPERATOR(pg_catalog.=) contactsync_create_staging.channel
             AND f.template_position IS NOT NULL
          UNION ALL
          SELECT 'cl_custom_' OPERATOR(pg_catalog.||) cf.identifier,
                 1000 OPERATOR(pg_catalog.+) pg_catalog.row_number() OVER (ORDER BY cf.identifier)
            FROM @extschema@.contactsync_custom_field cf
           WHERE cf.workspace OPERATOR(pg_catalog.=) contactsync_create_staging.workspace
             AND cf.status OPERATOR(pg_catalog.=) 'active') AS t;

  EXECUTE pg_catalog.format('CREATE TABLE %s (%s)',
    (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(p), '.') FROM pg_catalog.unnest(target) AS p),
    cols);
  RETURN (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(p), '.') FROM pg_catalog.unnest(target) AS p)::pg_catalog.regclass;
END
$fn$;
COMMENT ON FUNCTION @extschema@.contactsync_create_staging(text, text, text) IS
  'Creates a staging table (all columns text) with the channel''s template columns and a cl_custom_<identifier> column per active custom field of the workspace.';
