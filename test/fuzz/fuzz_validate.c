/*
 * fuzz_validate.c — libFuzzer harness for the channel rules and field
 * validators (src/channel.c, src/validate.c; the email and phone
 * validators call the normalisers).
 *
 * Input: "<channel>\t<region>\t<header>\t<cell>", all text (other inputs
 * are skipped).  The header is looked up as a staging column's would be;
 * "number", "date" and "datetime" stand for a custom field of that type.
 * Beyond memory errors and undefined behaviour, checked for every input:
 * - a channel name or header resolves only to the channel or field of that
 *   name (the header also to an alias, in any case);
 * - a cell raises no ERROR (bad data fails the row, never the import), and
 *   a validator answers either a stored form or a row code it may give;
 * - a stored form is valid text and, validated again, stays the same: a
 *   stored contact re-imports unchanged;
 * - a custom number is stored as a JSON number.
 */
#include "postgres.h"

#include "contactsync.h"
#include "fuzz.h"
#include "validate.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The row code a validator may give (NULL: it never fails a cell). */
static const char *const row_code[] = {
	[CSV_NONE] = NULL,
	[CSV_TEXT] = NULL,
	[CSV_LINE_UID] = "invalid_line_uid",
	[CSV_EMAIL] = "invalid_email",
	[CSV_PHONE] = "invalid_phone",
	[CSV_NAME] = "too_long",
	[CSV_TAGS] = NULL,
	[CSV_GENDER] = "invalid_gender",
	[CSV_DATE] = "invalid_date",
	[CSV_DATETIME] = "invalid_datetime",
	[CSV_STATUS] = "invalid_status",
};

/* The region of `text` ("" for none), or NULL after a misuse error. */
static const char *
resolve(const char *text)
{
	sigjmp_buf	jump;
	const char *region;

	if (text[0] == '\0')
		return "";
	if (sigsetjmp(jump, 0) != 0)
	{
		if (cs_fuzz_error_code() != ERRCODE_INVALID_PARAMETER_VALUE)
			cs_fuzz_fail("region \"%s\" raised \"%s\"", text, cs_fuzz_error_message());
		return NULL;
	}
	cs_fuzz_error_jump = &jump;
	region = cs_resolve_region(text, (int) strlen(text));
	cs_fuzz_error_jump = NULL;
	return region;
}

/* Whether the field answers to `header` (its name or an alias, any case). */
static bool
answers_to(const CsFieldDef *def, const char *header)
{
	int			a;

	if (pg_strcasecmp(def->name, header) == 0)
		return true;
	for (a = 0; a < CS_MAX_ALIASES && def->aliases[a] != NULL; a++)
		if (pg_strcasecmp(def->aliases[a], header) == 0)
			return true;
	return false;
}

/* Whether `s` is a JSON number: -?(0|[1-9][0-9]*)(.[0-9]+)? */
static bool
json_number(const char *s)
{
	if (*s == '-')
		s++;
	if (*s == '0')
		s++;
	else if (*s >= '1' && *s <= '9')
		s += strspn(s, "0123456789");
	else
		return false;
	if (*s == '.')
	{
		size_t		n = strspn(s + 1, "0123456789");

		if (n == 0)
			return false;
		s += 1 + n;
	}
	return *s == '\0';
}

/* The custom field types: parse, check the form, parse the form again. */
static void
check_custom(const char *type, const char *s, int len)
{
	char		buf[20];
	char	   *out = buf;
	char	   *again;
	bool		ok;

	if (strcmp(type, "number") == 0)
	{
		ok = cs_parse_number(s, len, &out);
		if (ok && !json_number(out))
			cs_fuzz_fail("number \"%s\" is not a JSON number", out);
	}
	else if (strcmp(type, "date") == 0)
	{
		out = palloc(11);
		ok = cs_parse_date(s, len, out);
	}
	else
	{
		out = palloc(20);
		ok = cs_parse_datetime(s, len, out);
		if (ok && out[10] != ' ')
			cs_fuzz_fail("datetime \"%s\" is not stored with a space", out);
	}
	if (!ok)
		return;
	again = palloc(Max(strlen(out) + 1, 20));
	if (strcmp(type, "number") == 0)
		ok = cs_parse_number(out, (int) strlen(out), &again);
	else if (strcmp(type, "date") == 0)
		ok = cs_parse_date(out, (int) strlen(out), again);
	else
		ok = cs_parse_datetime(out, (int) strlen(out), again);
	if (!ok || strcmp(again, out) != 0)
		cs_fuzz_fail("%s \"%s\" does not parse to itself", type, out);
}

/* Validate a cell as the import does; check the answer and its stability. */
static void
check_cell(const CsChannelDef *ch, CsValidatorId v, const char *region,
		   const char *cell, size_t len)
{
	int			a,
				b;
	char	   *value = NULL;
	const char *code;

	cs_trim_utf8(cell, (int) len, &a, &b);
	if (a >= b)
		return;					/* blank: no validator runs */
	code = cs_validate(ch, v, cell + a, b - a, region, &value);
	if (code != NULL)
	{
		bool		expected = row_code[v] != NULL && strcmp(code, row_code[v]) == 0;

		if (v == CSV_PHONE && region == NULL && strcmp(code, "phone_needs_region") == 0)
			expected = true;
		if (!expected)
			cs_fuzz_fail("validator %s gave row code %s", cs_validator_name(v), code);
		return;
	}
	/* A tags cell with no tag left (" , ,") is blank: nothing is stored. */
	if (value == NULL && v == CSV_TAGS)
		return;
	if (value == NULL || !cs_fuzz_text(value, strlen(value)))
		cs_fuzz_fail("validator %s stored no valid text", cs_validator_name(v));

	/* The stored form, validated again, is itself. */
	cs_trim_utf8(value, (int) strlen(value), &a, &b);
	if (a >= b)
		return;
	{
		char	   *again = NULL;

		code = cs_validate(ch, v, value + a, b - a, region, &again);
		if (code != NULL || strcmp(again, value) != 0)
			cs_fuzz_fail("validator %s: stored \"%s\" validates to %s \"%s\"",
						 cs_validator_name(v), value, code ? "code" : "value",
						 code ? code : again);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *) data;
	char	   *channel,
			   *region_text,
			   *header;
	const char *rest;
	size_t		len;
	const CsChannelDef *ch;
	const char *region;
	int			f,
				g;

	if (!cs_fuzz_text(s, size) ||
		!cs_fuzz_field(s, size, &channel, &rest, &len) ||
		!cs_fuzz_field(rest, len, &region_text, &rest, &len) ||
		!cs_fuzz_field(rest, len, &header, &rest, &len))
	{
		cs_fuzz_reset();
		return -1;
	}

	ch = cs_channel_by_name(channel);
	if (ch != NULL && strcmp(ch->name, channel) != 0)
		cs_fuzz_fail("channel \"%s\" resolved to %s", channel, ch->name);
	f = cs_field_by_header(header, (int) strlen(header));
	if (f >= 0 && !answers_to(&cs_fields[f], header))
		cs_fuzz_fail("header \"%s\" resolved to field %s", header, cs_fields[f].name);
	for (g = 0; f < 0 && g < CSF_NFIELDS; g++)
		if (answers_to(&cs_fields[g], header))
			cs_fuzz_fail("header \"%s\" did not resolve to field %s", header, cs_fields[g].name);

	region = resolve(region_text);
	if (ch != NULL && ch->importable && region != NULL)
	{
		if (region[0] == '\0')
			region = NULL;
		if (f >= 0)
			check_cell(ch, cs_fields[f].validator, region, rest, len);
		else if (strcmp(header, "number") == 0 || strcmp(header, "date") == 0 ||
				 strcmp(header, "datetime") == 0)
		{
			int			a,
						b;

			cs_trim_utf8(rest, (int) len, &a, &b);
			check_custom(header, rest + a, b - a);
		}
	}
	cs_fuzz_reset();
	return 0;
}
