/*
 * unicode.c — the extension's one ICU module.
 *
 * UTF-8 <-> UTF-16 conversion, Unicode white space, NFKC, root-locale
 * lower-casing and IDNA UTS #46 conversion.  Input is converted before any
 * ICU object is used, buffers are palloc'd (so an error frees them with the
 * memory context), and the ICU objects are process-wide and cached: the NFKC
 * normaliser is ICU's own singleton and the UTS #46 object is opened once.
 * Every U_FAILURE becomes an ereport with a SQLSTATE.
 */
#include "postgres.h"

#include "mb/pg_wchar.h"

#include <unicode/uchar.h>
#include <unicode/uidna.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utf8.h>

#include "contactsync.h"

static const UNormalizer2 *nfkc = NULL;
static UIDNA *uts46 = NULL;

/* Turn an ICU failure into an error with a fitting SQLSTATE. */
static void
icu_failed(UErrorCode status, const char *what)
{
	int			code;

	switch (status)
	{
		case U_MEMORY_ALLOCATION_ERROR:
			code = ERRCODE_OUT_OF_MEMORY;
			break;
		case U_INVALID_CHAR_FOUND:
		case U_ILLEGAL_CHAR_FOUND:
		case U_TRUNCATED_CHAR_FOUND:
			code = ERRCODE_CHARACTER_NOT_IN_REPERTOIRE;
			break;
		case U_INDEX_OUTOFBOUNDS_ERROR:
		case U_BUFFER_OVERFLOW_ERROR:
			code = ERRCODE_PROGRAM_LIMIT_EXCEEDED;
			break;
		default:
			code = ERRCODE_EXTERNAL_ROUTINE_EXCEPTION;
			break;
	}
	ereport(ERROR,
			(errcode(code),
			 errmsg("ICU %s failed: %s", what, u_errorName(status))));
}

/* Whether code point `c` has the Unicode White_Space property. */
bool
cs_is_uwhite(pg_wchar c)
{
	if (c < 0x80)
		return c == ' ' || (c >= 0x09 && c <= 0x0D);
	return u_isUWhiteSpace((UChar32) c);
}

/*
 * cs_trim_utf8 — the [start, end) byte range of `s` without leading and
 * trailing Unicode white space.
 */
void
cs_trim_utf8(const char *s, int len, int *start, int *end)
{
	int32_t		i = 0;
	int32_t		j = len;

	while (i < len)
	{
		int32_t		k = i;
		UChar32		c;

		U8_NEXT((const uint8_t *) s, k, len, c);
		if (c < 0 || !cs_is_uwhite((pg_wchar) c))
			break;
		i = k;
	}
	while (j > i)
	{
		int32_t		k = j;
		UChar32		c;

		U8_PREV((const uint8_t *) s, i, k, c);
		if (c < 0 || !cs_is_uwhite((pg_wchar) c))
			break;
		j = k;
	}
	*start = i;
	*end = j;
}

/* Whether all `len` bytes of `s` are ASCII. */
bool
cs_is_ascii(const char *s, int len)
{
	int			i;

	for (i = 0; i < len; i++)
		if ((unsigned char) s[i] >= 0x80)
			return false;
	return true;
}

/* UTF-8 to a palloc'd UTF-16 buffer; its length in *ulen. */
static UChar *
to_utf16(const char *s, int len, int32_t *ulen)
{
	UErrorCode	status = U_ZERO_ERROR;
	UChar	   *buf = palloc((Size) (len + 1) * sizeof(UChar));

	u_strFromUTF8(buf, len + 1, ulen, s, len, &status);
	if (U_FAILURE(status))
		icu_failed(status, "UTF-8 to UTF-16 conversion");
	return buf;
}

/* UTF-16 to a palloc'd, NUL-terminated UTF-8 buffer; its length in *outlen. */
static char *
to_utf8(const UChar *u, int32_t ulen, int *outlen)
{
	UErrorCode	status = U_ZERO_ERROR;
	int32_t		cap = ulen * 3 + 1;
	int32_t		n;
	char	   *buf = palloc(cap);

	u_strToUTF8(buf, cap, &n, u, ulen, &status);
	if (U_FAILURE(status))
		icu_failed(status, "UTF-16 to UTF-8 conversion");
	*outlen = n;
	return buf;
}

/*
 * Run an ICU string transform (src -> dest) with a buffer that is grown once
 * if ICU reports it too small.
 */
typedef int32_t (*u_transform) (const UChar *src, int32_t len, UChar *dest,
								int32_t cap, UErrorCode *status);

static UChar *
run_transform(u_transform fn, const UChar *src, int32_t len, int32_t *outlen,
			  const char *what)
{
	UErrorCode	status = U_ZERO_ERROR;
	int32_t		cap = len * 2 + 16;
	UChar	   *dest = palloc(cap * sizeof(UChar));
	int32_t		n;

	n = fn(src, len, dest, cap, &status);
	if (status == U_BUFFER_OVERFLOW_ERROR)
	{
		pfree(dest);
		cap = n + 1;
		dest = palloc(cap * sizeof(UChar));
		status = U_ZERO_ERROR;
		n = fn(src, len, dest, cap, &status);
	}
	if (U_FAILURE(status))
		icu_failed(status, what);
	*outlen = n;
	return dest;
}

static int32_t
nfkc_fn(const UChar *src, int32_t len, UChar *dest, int32_t cap, UErrorCode *status)
{
	if (nfkc == NULL)
	{
		nfkc = unorm2_getNFKCInstance(status);
		if (U_FAILURE(*status))
		{
			nfkc = NULL;
			return 0;
		}
	}
	return unorm2_normalize(nfkc, src, len, dest, cap, status);
}

static int32_t
lower_fn(const UChar *src, int32_t len, UChar *dest, int32_t cap, UErrorCode *status)
{
	/* "" is ICU's root locale: no language-specific mappings. */
	return u_strToLower(dest, cap, src, len, "", status);
}

/* NFKC form of UTF-8 text, as palloc'd UTF-8. */
char *
cs_utf8_nfkc(const char *s, int len, int *outlen)
{
	int32_t		ulen,
				nlen;
	UChar	   *u = to_utf16(s, len, &ulen);
	UChar	   *n = run_transform(nfkc_fn, u, ulen, &nlen, "NFKC normalisation");

	return to_utf8(n, nlen, outlen);
}

/* Root-locale lower case of UTF-8 text, as palloc'd UTF-8. */
char *
cs_utf8_lower(const char *s, int len, int *outlen)
{
	int32_t		ulen,
				llen;
	UChar	   *u = to_utf16(s, len, &ulen);
	UChar	   *l = run_transform(lower_fn, u, ulen, &llen, "lower-casing");

	return to_utf8(l, llen, outlen);
}

/* The cached UTS #46 object: non-transitional, STD3 rules, Bidi and CONTEXTJ checks. */
static UIDNA *
get_uts46(void)
{
	if (uts46 == NULL)
	{
		UErrorCode	status = U_ZERO_ERROR;
		UIDNA	   *idna = uidna_openUTS46(UIDNA_USE_STD3_RULES |
										   UIDNA_CHECK_BIDI |
										   UIDNA_CHECK_CONTEXTJ |
										   UIDNA_NONTRANSITIONAL_TO_ASCII,
										   &status);

		if (U_FAILURE(status))
			icu_failed(status, "IDNA UTS #46 set-up");
		uts46 = idna;
	}
	return uts46;
}

/*
 * cs_idna_to_ascii — IDNA UTS #46 ToASCII of a domain name (UTF-8).
 *
 * Returns false when the conversion reports any error (disallowed code
 * points, bad Punycode, Bidi or CONTEXTJ violations, label rules); else the
 * palloc'd ASCII result in *out.
 */
bool
cs_idna_to_ascii(const char *s, int len, char **out, int *outlen)
{
	UIDNA	   *idna = get_uts46();
	UErrorCode	status = U_ZERO_ERROR;
	UIDNAInfo	info = UIDNA_INFO_INITIALIZER;
	int32_t		cap = len * 4 + 64;
	char	   *dest = palloc(cap);
	int32_t		n;

	/* UTF-8 in, UTF-8 (here ASCII) out: ICU converts internally. */
	n = uidna_nameToASCII_UTF8(idna, s, len, dest, cap, &info, &status);
	if (status == U_BUFFER_OVERFLOW_ERROR)
	{
		pfree(dest);
		cap = n + 1;
		dest = palloc(cap);
		status = U_ZERO_ERROR;
		info = (UIDNAInfo) UIDNA_INFO_INITIALIZER;
		n = uidna_nameToASCII_UTF8(idna, s, len, dest, cap, &info, &status);
	}
	/*
	 * ICU's Punycode takes at most 1,000 code points per label; a longer
	 * label is far over the 63-octet limit anyway, so it is an invalid
	 * domain (bad data), not a failure.
	 */
	if (status == U_INPUT_TOO_LONG_ERROR)
		return false;
	if (U_FAILURE(status))
		icu_failed(status, "IDNA conversion");
	if (info.errors != 0)
		return false;
	dest[n] = '\0';
	*out = dest;
	*outlen = n;
	return true;
}

/*
 * Whether a non-ASCII code point may appear in an email local part (RFC 6531
 * allows UTF-8): not white space, and not a control, format (zero-width,
 * Bidi), surrogate, private-use or unassigned code point.
 */
bool
cs_email_local_char_ok(pg_wchar c)
{
	int8_t		gc;

	if (u_isUWhiteSpace((UChar32) c))
		return false;
	gc = u_charType((UChar32) c);
	return !(gc == U_CONTROL_CHAR || gc == U_FORMAT_CHAR || gc == U_SURROGATE ||
			 gc == U_PRIVATE_USE_CHAR || gc == U_UNASSIGNED);
}
