/*
 * validate.c — one validator per kind of field (the `validator` of the
 * channel rules), and contactsync_validate_field, which runs one on a value.
 *
 * A validator takes a trimmed, non-blank cell and either returns NULL with
 * the stored form in *value, or returns the row code of SPEC §3 that the
 * cell earns (invalid_email, too_long, ...).
 */
#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"

#include "contactsync.h"
#include "validate.h"

PG_FUNCTION_INFO_V1(contactsync_validate_field);

/* Whether `n` ASCII digits start at s. */
static bool
digits(const char *s, int n)
{
	int			i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static int
num(const char *s, int n)
{
	int			v = 0;
	int			i;

	for (i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

/* Whether y-m-d is a real Gregorian date with a four-digit year >= 1. */
static bool
real_date(int y, int m, int d)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int			last;

	if (y < 1 || m < 1 || m > 12 || d < 1)
		return false;
	last = mdays[m - 1];
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		last = 29;
	return d <= last;
}

/* `YYYY-MM-DD`, a real date; the same text into out (11 bytes). */
bool
cs_parse_date(const char *s, int len, char *out)
{
	if (len != 10 || !digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) ||
		s[7] != '-' || !digits(s + 8, 2))
		return false;
	if (!real_date(num(s, 4), num(s + 5, 2), num(s + 8, 2)))
		return false;
	memcpy(out, s, 10);
	out[10] = '\0';
	return true;
}

/*
 * `YYYY-MM-DD hh:mm:ss` (or `T` between), a real date and time; written as
 * `YYYY-MM-DD hh:mm:ss` into out (20 bytes).
 */
bool
cs_parse_datetime(const char *s, int len, char *out)
{
	if (len != 19 || !cs_parse_date(s, 10, out))
		return false;
	if ((s[10] != ' ' && s[10] != 'T') || !digits(s + 11, 2) || s[13] != ':' ||
		!digits(s + 14, 2) || s[16] != ':' || !digits(s + 17, 2))
		return false;
	if (num(s + 11, 2) > 23 || num(s + 14, 2) > 59 || num(s + 17, 2) > 59)
		return false;
	memcpy(out, s, 19);
	out[10] = ' ';
	out[19] = '\0';
	return true;
}

/*
 * A decimal number with optional sign and fraction (`-12`, `+3.5`, `.5`,
 * `7.`); its JSON form (no plus, no leading zeros) into *out.
 */
bool
cs_parse_number(const char *s, int len, char **out)
{
	int			i = 0;
	int			int_digits = 0,
				frac_digits = 0;
	StringInfoData buf;
	int			start;
	bool		neg = false;

	if (i < len && (s[i] == '+' || s[i] == '-'))
		neg = (s[i++] == '-');
	start = i;
	while (i < len && s[i] >= '0' && s[i] <= '9')
		i++, int_digits++;
	if (i < len && s[i] == '.')
	{
		i++;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++, frac_digits++;
	}
	if (i != len || int_digits + frac_digits == 0)
		return false;

	/*
	 * Integer part without leading zeros, at least one digit.  The limit of
	 * 1,000 digits counts the digits kept, without leading zeros, so a
	 * stored number parses again to itself (".5" with 1,000 digits is
	 * stored as "0.5..." with 1,001).
	 */
	while (int_digits > 1 && s[start] == '0')
		start++, int_digits--;
	if ((int_digits == 1 && s[start] == '0' ? 0 : int_digits) + frac_digits > 1000)
		return false;

	initStringInfo(&buf);
	if (neg)
		appendStringInfoChar(&buf, '-');
	if (int_digits == 0)
		appendStringInfoChar(&buf, '0');
	else
		appendBinaryStringInfo(&buf, s + start, int_digits);
	if (frac_digits > 0)
	{
		appendStringInfoChar(&buf, '.');
		appendBinaryStringInfo(&buf, s + start + int_digits + 1, frac_digits);
	}
	/* -0 is 0 */
	if (neg && strspn(buf.data + 1, "0.") == (size_t) (buf.len - 1))
	{
		memmove(buf.data, buf.data + 1, buf.len);
		buf.len--;
	}
	*out = buf.data;
	return true;
}

/*
 * Tags: split on commas, each trimmed, empty ones dropped, exact duplicates
 * dropped (first occurrence kept); stored as a text[] literal's elements
 * joined by commas.
 */
static char *
clean_tags(const char *s, int len)
{
	StringInfoData buf;
	int			start = 0;
	List	   *seen = NIL;

	initStringInfo(&buf);
	while (start <= len)
	{
		int			end = start;
		int			a,
					b;
		char	   *tag;
		ListCell   *lc;
		bool		dup = false;

		while (end < len && s[end] != ',')
			end++;
		cs_trim_utf8(s + start, end - start, &a, &b);
		if (b > a)
		{
			tag = pnstrdup(s + start + a, b - a);
			foreach(lc, seen)
				if (strcmp((char *) lfirst(lc), tag) == 0)
					dup = true;
			if (!dup)
			{
				seen = lappend(seen, tag);
				if (buf.len > 0)
					appendStringInfoChar(&buf, ',');
				appendStringInfoString(&buf, tag);
			}
		}
		start = end + 1;
	}
	return buf.data;
}

/* Whether s is `U` followed by 32 lower-case hex digits. */
static bool
line_uid_ok(const char *s, int len)
{
	int			i;

	if (len != 33 || s[0] != 'U')
		return false;
	for (i = 1; i < 33; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* Lower-case ASCII copy of s (enumerated values match case-insensitively). */
static char *
ascii_lower(const char *s, int len)
{
	char	   *out = palloc(len + 1);
	int			i;

	for (i = 0; i < len; i++)
		out[i] = pg_ascii_tolower((unsigned char) s[i]);
	out[len] = '\0';
	return out;
}

/*
 * cs_validate — run validator v of channel ch on a trimmed, non-blank cell.
 * Returns NULL and the stored form in *value, or the row code.
 */
const char *
cs_validate(const CsChannelDef *ch, CsValidatorId v, const char *s, int len,
			const char *region, char **value)
{
	switch (v)
	{
		case CSV_NONE:
		case CSV_TEXT:
			*value = pnstrdup(s, len);
			return NULL;
		case CSV_LINE_UID:
			if (!line_uid_ok(s, len))
				return "invalid_line_uid";
			*value = pnstrdup(s, len);
			return NULL;
		case CSV_EMAIL:
			*value = cs_normalize_email(s, len);
			return *value ? NULL : "invalid_email";
		case CSV_PHONE:
			{
				char		e164[CS_E164_BUFSIZE];

				switch (cs_normalize_phone(s, len, region, e164))
				{
					case CS_PHONE_VALID:
						*value = pstrdup(e164);
						return NULL;
					case CS_PHONE_NEEDS_REGION:
						return "phone_needs_region";
					default:
						return "invalid_phone";
				}
			}
		case CSV_NAME:
			if (pg_mbstrlen_with_len(s, len) > CS_NAME_MAX_CHARS)
				return "too_long";
			*value = pnstrdup(s, len);
			return NULL;
		case CSV_TAGS:
			/* A cell with no tag left (" , ,") is blank: it never overwrites. */
			*value = clean_tags(s, len);
			if ((*value)[0] == '\0')
				*value = NULL;
			return NULL;
		case CSV_GENDER:
			{
				char	   *g = ascii_lower(s, len);

				if (strcmp(g, "female") != 0 && strcmp(g, "male") != 0 &&
					strcmp(g, "unknown") != 0)
					return "invalid_gender";
				*value = g;
				return NULL;
			}
		case CSV_STATUS:
			{
				char	   *st = ascii_lower(s, len);
				int			i;

				for (i = 0; i < CS_MAX_STATUSES && ch->statuses[i] != NULL; i++)
					if (strcmp(st, ch->statuses[i]) == 0)
					{
						*value = st;
						return NULL;
					}
				return "invalid_status";
			}
		case CSV_DATE:
			*value = palloc(11);
			return cs_parse_date(s, len, *value) ? NULL : "invalid_date";
		case CSV_DATETIME:
			*value = palloc(20);
			return cs_parse_datetime(s, len, *value) ? NULL : "invalid_datetime";
	}
	elog(ERROR, "unknown validator %d", (int) v);
	return NULL;
}

/*
 * contactsync_validate_field(channel text, field text, value text,
 *                            region text DEFAULT NULL)
 *   RETURNS TABLE (stored text, code text)
 *
 * What an import would store for one cell of that field on that channel, or
 * the row code it would earn.  A blank cell gives (NULL, NULL) unless the
 * field is required (missing_required; status_empty for the whatsapp status).
 */
Datum
contactsync_validate_field(PG_FUNCTION_ARGS)
{
	char	   *chname = text_to_cstring(PG_GETARG_TEXT_PP(0));
	text	   *field = PG_GETARG_TEXT_PP(1);
	const CsChannelDef *ch = cs_channel_by_name(chname);
	int			f;
	const char *region = NULL;
	char	   *value = NULL;
	const char *code = NULL;
	TupleDesc	tupdesc;
	Datum		values[2];
	bool		nulls[2] = {true, true};

	if (ch == NULL || !ch->importable)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown channel \"%s\"", chname),
				 errhint("Use one of line, email, whatsapp, sms.")));
	f = cs_field_by_header(VARDATA_ANY(field), VARSIZE_ANY_EXHDR(field));
	if (f < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown field \"%s\"", text_to_cstring(field)),
				 errhint("See the view contactsync_channel_fields for the fields and their aliases.")));

	if (!PG_ARGISNULL(3))
	{
		text	   *r = PG_GETARG_TEXT_PP(3);

		region = cs_resolve_region(VARDATA_ANY(r), VARSIZE_ANY_EXHDR(r));
	}
	else
		region = cs_resolve_region(NULL, 0);

	if (!PG_ARGISNULL(2))
	{
		text	   *in = PG_GETARG_TEXT_PP(2);
		int			a,
					b;

		cs_trim_utf8(VARDATA_ANY(in), VARSIZE_ANY_EXHDR(in), &a, &b);
		if (b > a)
			code = cs_validate(ch, cs_fields[f].validator, VARDATA_ANY(in) + a,
							   b - a, region, &value);
	}
	if (value == NULL && code == NULL && (ch->flags[f] & CS_REQUIRED))
		code = (cs_fields[f].validator == CSV_STATUS && ch->skip_empty_status) ?
			"status_empty" : "missing_required";

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	if (code != NULL)
	{
		values[1] = CStringGetTextDatum(code);
		nulls[1] = false;
	}
	else if (value != NULL)
	{
		values[0] = CStringGetTextDatum(value);
		nulls[0] = false;
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
