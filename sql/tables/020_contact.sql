-- One row per channel contact.  The channel primary key (line_uid, email,
-- whatsapp_mobile, phone for sms, fb_id, ig_id) is exposed as the stored
-- generated column external_member_id and is unique per (workspace, channel).
CREATE SEQUENCE @extschema@.contactsync_contact_id_seq AS bigint;

CREATE TABLE @extschema@.contactsync_contact (
  id                 bigint NOT NULL
                     DEFAULT pg_catalog.nextval('@extschema@.contactsync_contact_id_seq'::pg_catalog.regclass),
  workspace          text NOT NULL DEFAULT 'default',
  channel            text NOT NULL,
  platform_name      text,
  line_uid           text,
  email              text,
  phone              text,
  whatsapp_mobile    text,
  customer_id        text,
  fb_id              text,
  ig_id              text,
  name               text,
  note               text,
  gender             text,
  birthday           date,
  tags               text[] NOT NULL DEFAULT '{}'::text[],
  messaging_status   text,
  consent_source     text,
  consent_at         timestamptz,
  custom             jsonb NOT NULL DEFAULT '{}'::jsonb,
  unified_contact_id bigint,
  unify_split        boolean NOT NULL DEFAULT false,
  created_at         timestamptz NOT NULL DEFAULT pg_catalog.now(),
  updated_at         timestamptz NOT NULL DEFAULT pg_catalog.now(),
  external_member_id text GENERATED ALWAYS AS (
    CASE
      WHEN channel OPERATOR(pg_catalog.=) 'line' THEN line_uid
      WHEN channel OPERATOR(pg_catalog.=) 'email' THEN email
      WHEN channel OPERATOR(pg_catalog.=) 'whatsapp' THEN whatsapp_mobile
      WHEN channel OPERATOR(pg_catalog.=) 'sms' THEN phone
      WHEN channel OPERATOR(pg_catalog.=) 'facebook' THEN fb_id
      WHEN channel OPERATOR(pg_catalog.=) 'instagram' THEN ig_id
    END) STORED,
  CONSTRAINT contactsync_contact_pkey PRIMARY KEY (workspace, id),
  CONSTRAINT contactsync_contact_channel_check CHECK (
    channel OPERATOR(pg_catalog.=) ANY (ARRAY['line', 'email', 'whatsapp', 'sms', 'facebook', 'instagram']::text[])),
  CONSTRAINT contactsync_contact_primary_key_check CHECK (external_member_id IS NOT NULL),
  CONSTRAINT contactsync_contact_gender_check CHECK (
    gender OPERATOR(pg_catalog.=) ANY (ARRAY['female', 'male', 'unknown']::text[])),
  CONSTRAINT contactsync_contact_custom_check CHECK (pg_catalog.jsonb_typeof(custom) OPERATOR(pg_catalog.=) 'object')
)
-- Room on every page for updated versions of its rows: an import's update
-- of fields no index covers (name, note, tags, status, custom fields, ...)
-- is then a heap-only tuple (HOT) update, with no new entry in any of the
-- eleven indexes (doc/design.md, "The store's fill factor").
WITH (fillfactor = 90);
ALTER SEQUENCE @extschema@.contactsync_contact_id_seq OWNED BY @extschema@.contactsync_contact.id;

-- The channel primary key: unique per workspace and channel, and the lookup
-- path for matching on it.
CREATE UNIQUE INDEX contactsync_contact_channel_key
  ON @extschema@.contactsync_contact (workspace, channel, external_member_id);
-- Contact ids alone (split, explain, undo).
CREATE INDEX contactsync_contact_id_idx ON @extschema@.contactsync_contact (id);
-- Lookups for every match key and unify key, scoped to the workspace.
CREATE INDEX contactsync_contact_email_idx
  ON @extschema@.contactsync_contact (workspace, email) WHERE email IS NOT NULL;
CREATE INDEX contactsync_contact_phone_idx
  ON @extschema@.contactsync_contact (workspace, phone) WHERE phone IS NOT NULL;
CREATE INDEX contactsync_contact_whatsapp_mobile_idx
  ON @extschema@.contactsync_contact (workspace, whatsapp_mobile) WHERE whatsapp_mobile IS NOT NULL;
CREATE INDEX contactsync_contact_customer_id_idx
  ON @extschema@.contactsync_contact (workspace, customer_id) WHERE customer_id IS NOT NULL;
CREATE INDEX contactsync_contact_line_uid_idx
  ON @extschema@.contactsync_contact (workspace, line_uid) WHERE line_uid IS NOT NULL;
CREATE INDEX contactsync_contact_fb_id_idx
  ON @extschema@.contactsync_contact (workspace, fb_id) WHERE fb_id IS NOT NULL;
CREATE INDEX contactsync_contact_ig_id_idx
  ON @extschema@.contactsync_contact (workspace, ig_id) WHERE ig_id IS NOT NULL;
-- Members of a unified person.
CREATE INDEX contactsync_contact_unified_idx
  ON @extschema@.contactsync_contact (workspace, unified_contact_id);

COMMENT ON TABLE @extschema@.contactsync_contact IS
  'One row per channel contact (LINE, Email, WhatsApp, SMS, Facebook, Instagram), grouped into persons by unified_contact_id.';
COMMENT ON COLUMN @extschema@.contactsync_contact.external_member_id IS
  'The channel primary key: line_uid, email, whatsapp_mobile, phone (sms), fb_id or ig_id; unique per workspace and channel.';
COMMENT ON COLUMN @extschema@.contactsync_contact.unified_contact_id IS
  'The person this contact belongs to: the smallest contact id of its unification group.';
COMMENT ON COLUMN @extschema@.contactsync_contact.unify_split IS
  'True when the contact was split out of unification by contactsync_split.';
COMMENT ON COLUMN @extschema@.contactsync_contact.custom IS
  'Custom-field values keyed by field identifier.';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.contactsync_contact', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.contactsync_contact_id_seq', '');
