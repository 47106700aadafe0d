/*
 * phone_lib.cpp — libphonenumber behind a C ABI.
 *
 * This is the extension's only C++ file.  Each entry point catches every
 * exception (catch (...) included) and turns it into a return code, so no
 * C++ exception ever unwinds through PostgreSQL frames, and no PostgreSQL
 * function (ereport, palloc) is called from here.  The library's singleton
 * is obtained lazily, inside the guarded entry points, never from a static
 * initializer.
 */
#include "phone_lib.h"

#include <cstring>
#include <string>

#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

/* The library's process-wide instance; created on first use. */
static const PhoneNumberUtil *
util()
{
	return PhoneNumberUtil::GetInstance();
}

/* Whether the UTF-8 text carries a plus sign (ASCII or full-width). */
static bool
has_plus(const char *s, size_t len)
{
	if (memchr(s, '+', len) != nullptr)
		return true;
	/* U+FF0B FULLWIDTH PLUS SIGN is EF BC 8B in UTF-8. */
	for (size_t i = 0; i + 2 < len; i++)
		if ((unsigned char) s[i] == 0xEF && (unsigned char) s[i + 1] == 0xBC &&
			(unsigned char) s[i + 2] == 0x8B)
			return true;
	return false;
}

extern "C" int
csp_normalize(const char *input, size_t len, const char *region,
			  char *out, size_t outsize)
{
	try
	{
		const PhoneNumberUtil *pu = util();
		bool		no_region = (region == nullptr || region[0] == '\0');
		std::string in(input, len);
		PhoneNumber pn;
		PhoneNumberUtil::ErrorType err;

		err = pu->Parse(in, no_region ? std::string("ZZ") : std::string(region), &pn);
		if (err != PhoneNumberUtil::NO_PARSING_ERROR)
		{
			if (no_region && err == PhoneNumberUtil::INVALID_COUNTRY_CODE_ERROR &&
				!has_plus(input, len))
				return CSP_NEEDS_REGION;
			return CSP_INVALID;
		}
		if (!pu->IsValidNumber(pn))
			return CSP_INVALID;

		std::string e164;

		pu->Format(pn, PhoneNumberUtil::E164, &e164);
		if (e164.size() + 1 > outsize)
			return CSP_INVALID;
		memcpy(out, e164.data(), e164.size());
		out[e164.size()] = '\0';
		return CSP_VALID;
	}
	catch (...)
	{
		return CSP_FAILURE;
	}
}

extern "C" int
csp_region_known(const char *region)
{
	try
	{
		if (region == nullptr || region[0] == '\0')
			return 0;
		return util()->GetCountryCodeForRegion(std::string(region)) != 0 ? 1 : 0;
	}
	catch (...)
	{
		return -1;
	}
}
