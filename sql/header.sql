-- contactsync install script, built from the parts under sql/.
\echo Use "CREATE EXTENSION contactsync" to load this file. \quit

-- The extension stores and compares text as UTF-8; refuse any other encoding.
DO $refuse$
BEGIN
  IF pg_catalog.current_setting('server_encoding') OPERATOR(pg_catalog.<>) 'UTF8' THEN
    RAISE EXCEPTION USING
      ERRCODE = 'feature_not_supported',
      MESSAGE = pg_catalog.format('contactsync requires a UTF-8 database, not %s',
                                  pg_catalog.current_setting('server_encoding')),
      DETAIL  = 'Emails, names and phone numbers are normalised as Unicode text stored as UTF-8.',
      HINT    = 'Create the database with ENCODING ''UTF8'' (for example from template0) and install the extension there.';
  END IF;
END
$refuse$;
