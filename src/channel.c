/*
 * channel.c — the channel rules tables and the SQL function that shows them
 * (contactsync_channel_fields, behind the view of the same name).
 */
#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "channel.h"

PG_FUNCTION_INFO_V1(contactsync_channel_fields);

/* Every field a staging column can map to, its names and its validator. */
const CsFieldDef cs_fields[CSF_NFIELDS] = {
	[CSF_LINE_UID] = {"line_uid", {NULL}, CSV_LINE_UID},
	[CSF_EMAIL] = {"email", {"user.email", NULL}, CSV_EMAIL},
	[CSF_PHONE] = {"phone", {"mobile", "user.mobilenumber", NULL}, CSV_PHONE},
	[CSF_WHATSAPP_MOBILE] = {"whatsapp_mobile", {NULL}, CSV_PHONE},
	[CSF_CUSTOMER_ID] = {"customer_id", {"user.identifier", NULL}, CSV_TEXT},
	[CSF_NAME] = {"name", {"display_name", NULL}, CSV_NAME},
	[CSF_NOTE] = {"note", {NULL}, CSV_TEXT},
	[CSF_TAGS] = {"tags", {"tag", NULL}, CSV_TAGS},
	[CSF_GENDER] = {"gender", {NULL}, CSV_GENDER},
	[CSF_BIRTHDAY] = {"birthday", {NULL}, CSV_DATE},
	[CSF_MESSAGING_STATUS] = {"messaging_status", {"status", NULL}, CSV_STATUS},
	[CSF_CONSENT_SOURCE] = {"consent_source", {NULL}, CSV_TEXT},
	[CSF_CONSENT_AT] = {"consent_at", {NULL}, CSV_DATETIME},
	[CSF_EXTERNAL_MEMBER_ID] = {"external_member_id", {NULL}, CSV_NONE},
	[CSF_PLATFORM_TYPE] = {"platform_type", {NULL}, CSV_NONE},
};

#define T CS_IN_TEMPLATE
#define R CS_REQUIRED
#define U CS_UPDATABLE
#define P CS_PRIMARY

/*
 * The channels (from the MAAC field tables in the seeds).  Every profile
 * field and identifier is accepted and updatable on every channel except the
 * channel primary key; T marks the columns of the channel's template.
 */
const CsChannelDef cs_channels[] = {
	{
		"line", true, CSF_LINE_UID, {"followed", "blocked", NULL}, false,
		{
			[CSF_LINE_UID] = T | P,
			[CSF_EMAIL] = T | U,
			[CSF_PHONE] = T | U,
			[CSF_WHATSAPP_MOBILE] = U,
			[CSF_CUSTOMER_ID] = T | U,
			[CSF_NAME] = T | U,
			[CSF_NOTE] = T | U,
			[CSF_TAGS] = T | U,
			[CSF_GENDER] = U,
			[CSF_BIRTHDAY] = U,
			[CSF_MESSAGING_STATUS] = U,
			[CSF_CONSENT_SOURCE] = U,
			[CSF_CONSENT_AT] = U,
		}
	},
	{
		"email", true, CSF_EMAIL,
		{"subscribed", "unsubscribed", "hard_bounce", "spam_report"}, false,
		{
			[CSF_LINE_UID] = U,
			[CSF_EMAIL] = T | R | P,
			[CSF_PHONE] = T | U,
			[CSF_WHATSAPP_MOBILE] = U,
			[CSF_CUSTOMER_ID] = T | U,
			[CSF_NAME] = T | U,
			[CSF_NOTE] = U,
			[CSF_TAGS] = T | U,
			[CSF_GENDER] = T | U,
			[CSF_BIRTHDAY] = T | U,
			[CSF_MESSAGING_STATUS] = T | R | U,
			[CSF_CONSENT_SOURCE] = T | U,
			[CSF_CONSENT_AT] = T | U,
		}
	},
	{
		"whatsapp", true, CSF_WHATSAPP_MOBILE,
		{"opted_in", "opted_out", "not_subscribed", NULL}, true,
		{
			[CSF_LINE_UID] = U,
			[CSF_EMAIL] = T | U,
			[CSF_PHONE] = U,
			[CSF_WHATSAPP_MOBILE] = T | R | P,
			[CSF_CUSTOMER_ID] = T | U,
			[CSF_NAME] = T | U,
			[CSF_NOTE] = U,
			[CSF_TAGS] = T | U,
			[CSF_GENDER] = T | U,
			[CSF_BIRTHDAY] = T | U,
			[CSF_MESSAGING_STATUS] = T | R | U,
			[CSF_CONSENT_SOURCE] = U,
			[CSF_CONSENT_AT] = U,
		}
	},
	{
		"sms", true, CSF_PHONE, {"opted_in", "opted_out", NULL}, false,
		{
			[CSF_LINE_UID] = U,
			[CSF_EMAIL] = T | U,
			[CSF_PHONE] = T | R | P,
			[CSF_WHATSAPP_MOBILE] = U,
			[CSF_CUSTOMER_ID] = T | U,
			[CSF_NAME] = T | U,
			[CSF_NOTE] = T | U,
			[CSF_TAGS] = T | U,
			[CSF_GENDER] = U,
			[CSF_BIRTHDAY] = U,
			[CSF_MESSAGING_STATUS] = T | U,
			[CSF_CONSENT_SOURCE] = U,
			[CSF_CONSENT_AT] = U,
		}
	},
	/* Stored and exported, but never imported (no CSV import on the seeds). */
	{"facebook", false, CSF_NFIELDS, {NULL}, false, {0}},
	{"instagram", false, CSF_NFIELDS, {NULL}, false, {0}},
};

#undef T
#undef R
#undef U
#undef P

const int	cs_nchannels = lengthof(cs_channels);

/* The channel of that name (exact, lower-case), or NULL. */
const CsChannelDef *
cs_channel_by_name(const char *name)
{
	int			i;

	for (i = 0; i < cs_nchannels; i++)
		if (strcmp(cs_channels[i].name, name) == 0)
			return &cs_channels[i];
	return NULL;
}

/*
 * The field a staging column header maps to (case-insensitive, canonical
 * names and aliases), or -1.
 */
int
cs_field_by_header(const char *header, int len)
{
	int			f,
				a;

	for (f = 0; f < CSF_NFIELDS; f++)
	{
		const CsFieldDef *def = &cs_fields[f];

		if ((int) strlen(def->name) == len && pg_strncasecmp(def->name, header, len) == 0)
			return f;
		for (a = 0; a < CS_MAX_ALIASES && def->aliases[a] != NULL; a++)
			if ((int) strlen(def->aliases[a]) == len &&
				pg_strncasecmp(def->aliases[a], header, len) == 0)
				return f;
	}
	return -1;
}

/* The name of a validator, as shown by contactsync_channel_fields. */
const char *
cs_validator_name(CsValidatorId v)
{
	static const char *const names[] = {
		[CSV_NONE] = "read_only",
		[CSV_TEXT] = "text",
		[CSV_LINE_UID] = "line_uid",
		[CSV_EMAIL] = "email",
		[CSV_PHONE] = "phone",
		[CSV_NAME] = "name",
		[CSV_TAGS] = "tags",
		[CSV_GENDER] = "gender",
		[CSV_DATE] = "date",
		[CSV_DATETIME] = "datetime",
		[CSV_STATUS] = "status",
	};

	return names[v];
}

/* A text[] of the non-NULL strings of `items` (up to n). */
static Datum
string_array(const char *const *items, int n)
{
	Datum	   *elems = palloc(sizeof(Datum) * Max(n, 1));
	int			k = 0;
	int			i;

	for (i = 0; i < n && items[i] != NULL; i++)
		elems[k++] = CStringGetTextDatum(items[i]);
	return PointerGetDatum(construct_array(elems, k, TEXTOID, -1, false, TYPALIGN_INT));
}

/*
 * contactsync_channel_fields() RETURNS SETOF record
 *
 * One row per importable channel and field: position in the template (NULL
 * when not a template column), aliases, flags, validator, allowed values.
 */
Datum
contactsync_channel_fields(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			c,
				f;

	InitMaterializedSRF(fcinfo, 0);

	for (c = 0; c < cs_nchannels; c++)
	{
		const CsChannelDef *ch = &cs_channels[c];
		int			position = 0;
		int			pass;

		if (!ch->importable)
			continue;
		/* Template order: the primary key first, then the field order. */
		for (pass = 0; pass < 2; pass++)
		{
			for (f = 0; f < CSF_NFIELDS; f++)
			{
				uint8		fl = ch->flags[f];
				Datum		values[10];
				bool		nulls[10] = {0};
				const CsFieldDef *def = &cs_fields[f];

				if ((pass == 0) != (f == (int) ch->primary))
					continue;
				if (fl == 0 && def->validator != CSV_NONE)
					continue;
				values[0] = CStringGetTextDatum(ch->name);
				values[1] = CStringGetTextDatum(def->name);
				if (fl & CS_IN_TEMPLATE)
					values[2] = Int32GetDatum(++position);
				else
					nulls[2] = true;
				values[3] = string_array(def->aliases, CS_MAX_ALIASES);
				values[4] = BoolGetDatum((fl & CS_REQUIRED) != 0);
				values[5] = BoolGetDatum((fl & CS_UPDATABLE) != 0);
				values[6] = BoolGetDatum((fl & CS_PRIMARY) != 0);
				values[7] = CStringGetTextDatum(cs_validator_name(def->validator));
				if (def->validator == CSV_STATUS)
					values[8] = string_array(ch->statuses, CS_MAX_STATUSES);
				else if (def->validator == CSV_GENDER)
				{
					static const char *const genders[] = {"female", "male", "unknown"};

					values[8] = string_array(genders, 3);
				}
				else
					nulls[8] = true;
				values[9] = BoolGetDatum(def->validator == CSV_STATUS && ch->skip_empty_status);
				tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
			}
		}
	}
	return (Datum) 0;
}
