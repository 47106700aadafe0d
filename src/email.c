/*
 * email.c — email address normalisation and syntax rules (SPEC §3).
 *
 * The stored form of an address: Unicode white space trimmed; the whole
 * NFKC-normalised (so a full-width '＠' separates); the local part lower-cased
 * in ICU's root locale; the domain converted to ASCII by IDNA UTS #46
 * non-transitional processing.  The syntax is checked on that form.  Pure
 * ASCII input skips ICU: NFKC is the identity there and UTS #46 reduces to
 * lower-casing plus the label checks done here anyway.
 */
#include "postgres.h"

#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"

#include "contactsync.h"

PG_FUNCTION_INFO_V1(contactsync_normalize_email);

#define EMAIL_MAX_OCTETS 254
#define LOCAL_MAX_OCTETS 64
#define LABEL_MAX_OCTETS 63

/* RFC 5322 atext, ASCII part. */
static bool
is_atext(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	return c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

/*
 * A dot-atom local part of at most 64 octets: atoms of atext (or allowed
 * non-ASCII characters) separated by single dots.
 */
static bool
local_part_ok(const char *s, int len)
{
	int			i = 0;
	bool		atom_empty = true;

	if (len < 1 || len > LOCAL_MAX_OCTETS)
		return false;
	while (i < len)
	{
		unsigned char c = (unsigned char) s[i];

		if (c == '.')
		{
			if (atom_empty)
				return false;
			atom_empty = true;
			i++;
			continue;
		}
		if (c < 0x80)
		{
			if (!is_atext(c))
				return false;
			i++;
		}
		else
		{
			int			l = pg_utf_mblen((const unsigned char *) s + i);

			if (i + l > len ||
				!cs_email_local_char_ok(utf8_to_unicode((const unsigned char *) s + i)))
				return false;
			i += l;
		}
		atom_empty = false;
	}
	return !atom_empty;
}

/*
 * An ASCII domain (already lower-case): at least two LDH labels of 1..63
 * octets, no hyphen at either end of a label, no "--" in positions 3-4
 * (reserved for A-labels, which only the IDNA path may produce), and a TLD
 * that is not all digits.
 */
static bool
domain_ok(const char *s, int len, bool from_idna)
{
	int			start = 0;
	int			labels = 0;
	bool		tld_digits = true;

	if (len < 1)
		return false;
	while (start <= len)
	{
		int			end = start;
		int			i;

		while (end < len && s[end] != '.')
			end++;
		if (end == start || end - start > LABEL_MAX_OCTETS)
			return false;
		if (s[start] == '-' || s[end - 1] == '-')
			return false;
		if (!from_idna && end - start >= 4 && s[start + 2] == '-' && s[start + 3] == '-')
			return false;
		tld_digits = true;
		for (i = start; i < end; i++)
		{
			char		c = s[i];

			if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
				return false;
			if (!(c >= '0' && c <= '9'))
				tld_digits = false;
		}
		labels++;
		start = end + 1;
	}
	return labels >= 2 && !tld_digits;
}

/* Whether some label of an ASCII domain starts with "xn--" (any case). */
static bool
has_a_label(const char *s, int len)
{
	int			i;

	for (i = 0; i + 4 <= len; i++)
	{
		if ((i == 0 || s[i - 1] == '.') &&
			pg_strncasecmp(s + i, "xn--", 4) == 0)
			return true;
	}
	return false;
}

/*
 * cs_normalize_email — the stored form of an address, palloc'd, or NULL when
 * it is not a valid address.
 */
char *
cs_normalize_email(const char *s, int len)
{
	int			a,
				b;
	const char *work;
	int			wlen;
	const char *at = NULL;
	const char *local;
	const char *domain;
	int			llen,
				dlen;
	char	   *out;
	int			i;

	cs_trim_utf8(s, len, &a, &b);
	if (a >= b)
		return NULL;
	s += a;
	len = b - a;
	if (cs_is_ascii(s, len))
	{
		work = s;
		wlen = len;
	}
	else
		work = cs_utf8_nfkc(s, len, &wlen);

	for (i = 0; i < wlen; i++)
	{
		if (work[i] == '@')
		{
			if (at != NULL)
				return NULL;	/* more than one '@' */
			at = work + i;
		}
	}
	if (at == NULL)
		return NULL;

	local = work;
	llen = at - work;
	domain = at + 1;
	dlen = wlen - llen - 1;
	if (llen == 0 || dlen == 0)
		return NULL;

	/* Local part: root-locale lower case. */
	if (cs_is_ascii(local, llen))
	{
		char	   *l = palloc(llen + 1);

		for (i = 0; i < llen; i++)
			l[i] = pg_ascii_tolower((unsigned char) local[i]);
		local = l;
	}
	else
		local = cs_utf8_lower(local, llen, &llen);
	if (!local_part_ok(local, llen))
		return NULL;

	/* Domain: UTS #46 ToASCII (ASCII without A-labels: lower-casing). */
	if (cs_is_ascii(domain, dlen) && !has_a_label(domain, dlen))
	{
		char	   *d = palloc(dlen + 1);

		for (i = 0; i < dlen; i++)
			d[i] = pg_ascii_tolower((unsigned char) domain[i]);
		if (!domain_ok(d, dlen, false))
			return NULL;
		domain = d;
	}
	else
	{
		char	   *d;

		if (!cs_idna_to_ascii(domain, dlen, &d, &dlen))
			return NULL;
		if (!domain_ok(d, dlen, true))
			return NULL;
		domain = d;
	}

	if (llen + 1 + dlen > EMAIL_MAX_OCTETS)
		return NULL;
	out = palloc(llen + dlen + 2);
	memcpy(out, local, llen);
	out[llen] = '@';
	memcpy(out + llen + 1, domain, dlen);
	out[llen + 1 + dlen] = '\0';
	return out;
}

/*
 * contactsync_normalize_email(text) RETURNS text
 *
 * The stored form of an address, or NULL when it is invalid.
 */
Datum
contactsync_normalize_email(PG_FUNCTION_ARGS)
{
	text	   *in = PG_GETARG_TEXT_PP(0);
	char	   *out = cs_normalize_email(VARDATA_ANY(in), VARSIZE_ANY_EXHDR(in));

	if (out == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(out));
}
