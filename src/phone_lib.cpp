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

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <list>
#include <string>
#include <thread>
#include <vector>

#include <pthread.h>

#include <phonenumbers/phonemetadata.pb.h>
#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

#include <memory>
#include <mutex>
#include <unordered_map>

#include <unicode/regex.h>

/*
 * The library's compiled-in metadata (declared in its metadata.h, which is
 * not installed; the library exports both).
 */
namespace i18n
{
namespace phonenumbers
{
int			metadata_size();
const void *metadata_get();
}
}

using i18n::phonenumbers::PhoneMetadata;
using i18n::phonenumbers::PhoneMetadataCollection;
using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberDesc;
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

/*
 * The fast path.
 *
 * libphonenumber's Parse spends most of its time (about 8 of the 12 us a
 * number costs here) running a dozen ICU regular expressions that, for
 * the two ways numbers are usually written, come down to digit work:
 *
 * - "+" and digits (single spaces or hyphens between them): the country
 *   code is the shortest leading one to three digits that are a calling
 *   code, the rest is the national number, from which Parse strips a
 *   national prefix when the "national prefix for parsing" of the code's
 *   main region matches at its start;
 * - digits (the same separators) written in a region: unless the region's
 *   international dialling prefix or its calling code begins them, they
 *   are the national number, from which Parse strips the region's
 *   national prefix when it matches at the start (and the number without
 *   it is still a possible one).
 *
 * The fast path does that digit work when the national prefix for parsing
 * is a plain digit string (or empty) and the region has no transform rule,
 * builds the PhoneNumber Parse would build, and leaves validation and
 * formatting to the library as before.  It declines (the caller then calls
 * Parse) in every other case: another character, no calling code, a
 * pattern for a prefix, digits the dialling prefix may begin (a table of
 * three-digit beginnings per region, from its pattern, built on first
 * use), a national number outside the library's 2 to 17 digits.  Where
 * Parse strips the prefix only if the rest stays possible, the fast path
 * strips it and keeps the result only when it is valid (a valid number is
 * possible, so Parse strips too); otherwise Parse decides.
 *
 * The number the fast path builds is then checked by fast_valid (below),
 * not the library's IsValidNumber.
 *
 * The generated phone corpus (test/corpus: every region's example numbers
 * in many written forms, with the prefixes around them, and altered
 * digits) and the phone fuzzer check the two paths against each other.
 */
struct FastRegion
{
	bool		usable;
	int			cc;
	std::string cc_digits;
	std::string ndd;			/* national prefix for parsing, digits or "" */
	std::vector<bool> idd_maybe;	/* 1000 three-digit beginnings */
};

struct ValidCode;

struct FastMeta
{
	PhoneMetadataCollection collection;
	/* per calling code: the main region's national prefix for parsing */
	std::unordered_map<int, std::string> plus_prefix;
	std::unordered_map<std::string, const PhoneMetadata *> by_region;
	/* the non-geographic entities ("001"), by calling code */
	std::unordered_map<int, const PhoneMetadata *> non_geo;
	std::mutex	lock;
	std::unordered_map<std::string, FastRegion> regions;
	/* fast_valid's tables, by calling code (built on first use) */
	std::unordered_map<int, std::unique_ptr<ValidCode>> valid;
};

static bool
plain_digits(const std::string &s)
{
	return s.find_first_not_of("0123456789") == std::string::npos;
}

static FastMeta &
fast_meta()
{
	/* built once, on first use (thread-safe initialisation) */
	static FastMeta *meta = []()
	{
		FastMeta   *m = new FastMeta();
		const PhoneNumberUtil *pu = util();

		if (!m->collection.ParseFromArray(i18n::phonenumbers::metadata_get(),
										  i18n::phonenumbers::metadata_size()))
			return m;			/* no fast path at all */
		for (const PhoneMetadata &md : m->collection.metadata())
		{
			std::string main_region;

			if (md.id() == "001")
				m->non_geo.emplace(md.country_code(), &md);
			else
				m->by_region.emplace(md.id(), &md);
			/* the metadata Parse uses: the code's main region, or the non-geographic entity */
			pu->GetRegionCodeForCountryCode(md.country_code(), &main_region);
			if (md.id() == main_region && plain_digits(md.national_prefix_for_parsing()))
				m->plus_prefix.emplace(md.country_code(), md.national_prefix_for_parsing());
		}
		return m;
	}();

	return *meta;
}

/* The fast-path facts of `region` (computed once per region). */
static const FastRegion &
fast_region_shared(const std::string &region)
{
	FastMeta   &m = fast_meta();
	std::lock_guard<std::mutex> guard(m.lock);
	auto		found = m.regions.find(region);

	if (found != m.regions.end())
		return found->second;

	FastRegion	r;
	auto		md = m.by_region.find(region);

	r.usable = false;
	if (md != m.by_region.end() && region != "001" &&
		plain_digits(md->second->national_prefix_for_parsing()) &&
		md->second->national_prefix_transform_rule().empty())
	{
		UErrorCode	status = U_ZERO_ERROR;
		UParseError perr;
		std::unique_ptr<icu::RegexPattern> idd(icu::RegexPattern::compile(
			icu::UnicodeString::fromUTF8(md->second->international_prefix()), 0, perr, status));

		if (U_SUCCESS(status))
		{
			r.idd_maybe.assign(1000, true);
			for (int i = 0; i < 1000 && U_SUCCESS(status); i++)
			{
				char		three[4] = {char('0' + i / 100), char('0' + i / 10 % 10), char('0' + i % 10), 0};
				icu::UnicodeString text = icu::UnicodeString::fromUTF8(three);
				std::unique_ptr<icu::RegexMatcher> mt(idd->matcher(text, status));

				if (U_FAILURE(status))
					break;
				/* a match, or one that more digits could complete */
				r.idd_maybe[i] = mt->lookingAt(status) || mt->hitEnd();
			}
			if (U_SUCCESS(status))
			{
				r.usable = true;
				r.cc = md->second->country_code();
				r.cc_digits = std::to_string(r.cc);
				r.ndd = md->second->national_prefix_for_parsing();
			}
		}
	}
	return m.regions.emplace(region, std::move(r)).first->second;
}

/*
 * The same through this thread's last region, so that a run of numbers in
 * one region takes no lock (the table's entries never move or change).
 */
static const FastRegion &
fast_region(const char *region)
{
	static thread_local std::string last;
	static thread_local const FastRegion *last_facts = nullptr;

	if (last_facts == nullptr || last != region)
	{
		last_facts = &fast_region_shared(region);
		last = region;
	}
	return *last_facts;
}

/* Longest national number Parse accepts (kMaxLengthForNsn) and shortest. */
#define FAST_MAX_NSN 17
#define FAST_MIN_NSN 2

/* The number as Parse would build it from its national digits. */
static void
fast_number(int cc, const char *nsn, size_t nlen, PhoneNumber *pn)
{
	pn->Clear();
	pn->set_country_code(cc);
	if (nlen > 1 && nsn[0] == '0')
	{
		/* as the library keeps leading zeros (Italy) */
		size_t		zeros = 1;

		pn->set_italian_leading_zero(true);
		while (zeros < nlen - 1 && nsn[zeros] == '0')
			zeros++;
		if (zeros != 1)
			pn->set_number_of_leading_zeros((int) zeros);
	}
	pn->set_national_number(strtoull(nsn, nullptr, 10));
}

/*
 * The PhoneNumber Parse builds from `s` in `region` (NULL or "" for none),
 * or false to let Parse decide.  *only_if_valid: the number stands only if
 * it is valid (a stripped national prefix).
 */
static bool
fast_parse(const PhoneNumberUtil *pu, const char *s, size_t len, const char *region,
		   PhoneNumber *pn, bool *only_if_valid)
{
	char		digits[8 + FAST_MAX_NSN + 1];
	size_t		n = 0;
	bool		plus = (len > 0 && s[0] == '+');
	size_t		first = plus ? 1 : 0;

	*only_if_valid = false;
	if (len <= first || s[first] < '0' || s[first] > '9' ||
		s[len - 1] < '0' || s[len - 1] > '9')
		return false;
	for (size_t i = first; i < len; i++)
	{
		char		c = s[i];

		if (c >= '0' && c <= '9')
		{
			if (n == sizeof(digits) - 1)
				return false;
			digits[n++] = c;
		}
		else if ((c == ' ' || c == '-') && s[i - 1] >= '0' && s[i - 1] <= '9')
			continue;			/* one separator between digits */
		else
			return false;
	}
	digits[n] = '\0';
	if (n < 3)
		return false;

	if (plus)
	{
		int			cc = 0;
		size_t		cclen = 0;

		if (digits[0] == '0')
			return false;
		for (size_t i = 1; i <= 3 && i < n; i++)
		{
			int			code = 0;
			std::string code_region;

			for (size_t j = 0; j < i; j++)
				code = code * 10 + (digits[j] - '0');
			pu->GetRegionCodeForCountryCode(code, &code_region);
			if (code_region != "ZZ")
			{
				cc = code;
				cclen = i;
				break;
			}
		}
		if (cc == 0)
			return false;

		const char *nsn = digits + cclen;
		size_t		nlen = n - cclen;
		const FastMeta &m = fast_meta();
		auto		it = m.plus_prefix.find(cc);

		if (nlen < FAST_MIN_NSN || nlen > FAST_MAX_NSN || it == m.plus_prefix.end())
			return false;
		if (!it->second.empty() && nlen >= it->second.size() &&
			memcmp(nsn, it->second.data(), it->second.size()) == 0)
			return false;		/* Parse may strip it */
		fast_number(cc, nsn, nlen, pn);
		return true;
	}

	if (region == nullptr || region[0] == '\0')
		return false;

	const FastRegion &r = fast_region(region);
	const char *nsn = digits;
	size_t		nlen = n;

	if (!r.usable || r.idd_maybe[(digits[0] - '0') * 100 + (digits[1] - '0') * 10 + (digits[2] - '0')])
		return false;			/* the dialling prefix may begin it */
	if (n >= r.cc_digits.size() && memcmp(digits, r.cc_digits.data(), r.cc_digits.size()) == 0)
		return false;			/* the calling code may begin it */
	if (!r.ndd.empty() && n >= r.ndd.size() && memcmp(digits, r.ndd.data(), r.ndd.size()) == 0)
	{
		nsn += r.ndd.size();
		nlen -= r.ndd.size();
		*only_if_valid = true;
	}
	if (nlen < FAST_MIN_NSN || nlen > FAST_MAX_NSN)
		return false;
	fast_number(r.cc, nsn, nlen, pn);
	return true;
}

/*
 * Validity on the fast path.
 *
 * The library's IsValidNumber picks the number's region (the only region
 * of its calling code, or, for a code shared by several, the first in the
 * library's order, the main region first, whose "leading digits" pattern
 * matches at the start of the national number or, for a region without
 * one, whose number types the number matches; a region its leading digits
 * pick is the number's region even where it is not valid there), then
 * calls the number valid when, in that region's
 * metadata, the national number matches the general description and at
 * least one number type: premium rate, toll free, shared cost, VoIP,
 * personal, pager, UAN, voicemail, fixed line, or mobile (mobile only when
 * the metadata does not mark the two patterns the same; then fixed line
 * stands for both).  A description matches when the number's length is one
 * of its possible lengths (none listed: any) and its national number
 * pattern, not empty, matches the whole number.  Which type matches first
 * only names the type; for validity any will do, so mobile and fixed line
 * are tried first.
 *
 * Each of those steps goes through the library's regular-expression cache,
 * which takes a process-wide mutex and hashes the whole pattern on every
 * look-up, and creates an ICU matcher, converting the input, for every
 * match (and after a failed full match runs a second, anchored match that
 * cannot change the answer here).  With numbers normalised on two threads
 * the threads queue on that mutex.  fast_valid does the same steps on
 * patterns compiled once per region, on first use by any thread, under
 * FastMeta's lock (a region's patterns are immutable once built), and
 * each thread matches with matchers of its own, so a number takes no lock.
 * Only the regions numbers reach are compiled (a region takes 0.3 ms at
 * most, TW 0.08 ms; all 254 would take 11-15 ms, more than a backend
 * normalising a few numbers should pay).
 *
 * Every calling code is handled, shared ones (+1, +7, +44, +262, +590,
 * +599, ...) and non-geographic ones (+800, +882, ...) included.  The
 * library's IsValidNumber still answers (fast_valid returns -1) when a
 * pattern does not compile, ICU reports an error while matching, a region
 * of the calling code has no metadata of ours, the calling code has no
 * region at all, or the national number would be over 17 digits; none of
 * these occurs with the library's metadata and the numbers fast_parse
 * builds.  Numbers that go through Parse are checked by the library too.
 */
struct ValidDesc
{
	int			pattern;		/* index in ValidRegion::patterns; -1: matches nothing */
	bool		any_length;		/* no possible lengths listed */
	uint32_t	lengths;		/* bit n: n digits possible */
};

struct ValidRegion
{
	bool		usable;
	int			leading;		/* leading digits pattern, or -1 */
	ValidDesc	general;
	std::vector<ValidDesc> types;	/* any of these */
	std::vector<std::unique_ptr<icu::RegexPattern>> patterns;
};

struct ValidCode
{
	std::vector<const PhoneMetadata *> metadata;	/* the library's order */
	std::vector<std::unique_ptr<ValidRegion>> regions;	/* built on first use */
};

/* One region's patterns, compiled, and its descriptions. */
static std::unique_ptr<ValidRegion>
valid_region(const PhoneMetadata &md)
{
	std::unique_ptr<ValidRegion> r(new ValidRegion());
	std::unordered_map<std::string, int> index;
	UErrorCode	status = U_ZERO_ERROR;
	auto		compile = [&](const std::string &pattern) -> int
	{
		auto		found = index.find(pattern);
		UParseError perr;

		if (found != index.end())
			return found->second;
		r->patterns.emplace_back(icu::RegexPattern::compile(
			icu::UnicodeString::fromUTF8(pattern), 0, perr, status));
		index.emplace(pattern, (int) r->patterns.size() - 1);
		return (int) r->patterns.size() - 1;
	};
	auto		describe = [&](const PhoneNumberDesc &d) -> ValidDesc
	{
		ValidDesc	v;

		v.pattern = d.national_number_pattern().empty() ? -1 : compile(d.national_number_pattern());
		v.any_length = d.possible_length_size() == 0;
		v.lengths = 0;
		/* -1 (no such numbers) and lengths past 31 match no national number */
		for (int len : d.possible_length())
			if (len >= 0 && len < 32)
				v.lengths |= UINT32_C(1) << len;
		return v;
	};

	r->leading = md.has_leading_digits() ? compile(md.leading_digits()) : -1;
	r->general = describe(md.general_desc());
	if (!md.same_mobile_and_fixed_line_pattern())
		r->types.push_back(describe(md.mobile()));
	for (const PhoneNumberDesc *d : {&md.fixed_line(), &md.premium_rate(), &md.toll_free(),
									 &md.shared_cost(), &md.voip(), &md.personal_number(),
									 &md.pager(), &md.uan(), &md.voicemail()})
		r->types.push_back(describe(*d));
	r->usable = U_SUCCESS(status);
	for (const auto &p : r->patterns)
		r->usable = r->usable && p != nullptr;
	return r;
}

/* A thread's matchers for one region's patterns. */
struct ThreadRegion
{
	const ValidRegion *region = nullptr;
	std::vector<std::unique_ptr<icu::RegexMatcher>> matchers;
};

struct ThreadCode
{
	ValidCode  *code = nullptr;	/* its regions read or built under the lock */
	std::vector<ThreadRegion> regions;
};

/* This thread's matchers, by calling code; freed when the thread ends. */
static thread_local std::unordered_map<int, ThreadCode> thread_codes;

/* The calling code's regions for this thread, or nullptr: the library decides. */
static ThreadCode *
thread_code(const PhoneNumberUtil *pu, int cc)
{
	auto		found = thread_codes.find(cc);

	if (found != thread_codes.end())
		return found->second.code != nullptr ? &found->second : nullptr;

	FastMeta   &m = fast_meta();
	ThreadCode	t;

	{
		std::lock_guard<std::mutex> guard(m.lock);
		auto		code = m.valid.find(cc);

		if (code == m.valid.end())
		{
			std::unique_ptr<ValidCode> c(new ValidCode());
			std::list<std::string> ids;

			pu->GetRegionCodesForCountryCallingCode(cc, &ids);
			for (const std::string &id : ids)
			{
				const PhoneMetadata *md = nullptr;

				if (id == "001" && m.non_geo.count(cc) != 0)
					md = m.non_geo.at(cc);
				else if (id != "001" && m.by_region.count(id) != 0)
					md = m.by_region.at(id);
				if (md == nullptr)
				{
					c->metadata.clear();	/* the library's metadata, not ours */
					break;
				}
				c->metadata.push_back(md);
			}
			c->regions.resize(c->metadata.size());
			code = m.valid.emplace(cc, std::move(c)).first;
		}
		if (!code->second->metadata.empty())
		{
			t.code = code->second.get();
			t.regions.resize(t.code->metadata.size());
		}
	}
	found = thread_codes.emplace(cc, std::move(t)).first;
	return found->second.code != nullptr ? &found->second : nullptr;
}

/* Region i of the code, its patterns built and this thread's matchers made. */
static const ThreadRegion *
thread_region(ThreadCode *t, size_t i)
{
	ThreadRegion &tr = t->regions[i];

	if (tr.region == nullptr)
	{
		FastMeta   &m = fast_meta();
		std::lock_guard<std::mutex> guard(m.lock);
		std::unique_ptr<ValidRegion> &r = t->code->regions[i];
		std::vector<std::unique_ptr<icu::RegexMatcher>> matchers;

		if (r == nullptr)
			r = valid_region(*t->code->metadata[i]);
		if (r->usable)
		{
			UErrorCode	status = U_ZERO_ERROR;

			for (const auto &p : r->patterns)
			{
				matchers.emplace_back(p->matcher(status));
				if (U_FAILURE(status) || matchers.back() == nullptr)
					return nullptr;
			}
		}
		tr.matchers = std::move(matchers);
		tr.region = r.get();
	}
	return tr.region->usable ? &tr : nullptr;
}

/* Whether pattern p matches all of `text` (anchored at both ends). */
static bool
valid_match(const ThreadRegion &tr, int p, const icu::UnicodeString &text, UErrorCode *status)
{
	icu::RegexMatcher *mt = tr.matchers[p].get();

	mt->reset(text);
	return mt->matches(*status);
}

static bool
valid_desc(const ThreadRegion &tr, const ValidDesc &d, int len,
		   const icu::UnicodeString &text, UErrorCode *status)
{
	if (!d.any_length && (d.lengths >> len & 1) == 0)
		return false;
	return d.pattern >= 0 && valid_match(tr, d.pattern, text, status);
}

/* The library's "number type is not UNKNOWN" in this region. */
static bool
valid_in_region(const ThreadRegion &tr, int len, const icu::UnicodeString &text, UErrorCode *status)
{
	if (!valid_desc(tr, tr.region->general, len, text, status))
		return false;
	for (const ValidDesc &d : tr.region->types)
		if (valid_desc(tr, d, len, text, status))
			return true;
	return false;
}

/* 1 if the library would call `pn` valid, 0 if not, -1 to ask it. */
static int
fast_valid(const PhoneNumberUtil *pu, const PhoneNumber &pn)
{
	ThreadCode *t = thread_code(pu, pn.country_code());
	char16_t	digits[FAST_MAX_NSN + 1];
	int			len = 0;
	char16_t	num[20];
	int			numlen = 0;
	uint64_t	nn = pn.national_number();
	UErrorCode	status = U_ZERO_ERROR;
	bool		valid = false;

	if (t == nullptr)
		return -1;

	/* the national significant number, as the library writes it */
	if (pn.italian_leading_zero())
		for (int z = 0; z < pn.number_of_leading_zeros(); z++)
		{
			if (len == FAST_MAX_NSN)
				return -1;
			digits[len++] = u'0';
		}
	do
	{
		num[numlen++] = (char16_t) (u'0' + nn % 10);
		nn /= 10;
	} while (nn != 0);
	if (len + numlen > FAST_MAX_NSN)
		return -1;
	while (numlen > 0)
		digits[len++] = num[--numlen];

	/* read-only alias of the digits: no copy, no conversion */
	icu::UnicodeString text(false, digits, len);

	if (t->regions.size() == 1)
	{
		const ThreadRegion *tr = thread_region(t, 0);

		if (tr == nullptr)
			return -1;
		valid = valid_in_region(*tr, len, text, &status);
	}
	else
	{
		for (size_t i = 0; i < t->regions.size(); i++)
		{
			const ThreadRegion *tr = thread_region(t, i);

			if (tr == nullptr)
				return -1;
			if (tr->region->leading >= 0)
			{
				icu::RegexMatcher *mt = tr->matchers[tr->region->leading].get();

				mt->reset(text);
				if (mt->lookingAt(status))
				{
					/* the number's region, valid there or not */
					valid = U_SUCCESS(status) && valid_in_region(*tr, len, text, &status);
					break;
				}
			}
			else if (valid_in_region(*tr, len, text, &status))
			{
				valid = true;
				break;
			}
			if (U_FAILURE(status))
				break;
		}
	}
	if (U_FAILURE(status))
		return -1;
	return valid ? 1 : 0;
}

static int
normalize(const char *input, size_t len, const char *region,
		  char *out, size_t outsize, bool fast)
{
	try
	{
		const PhoneNumberUtil *pu = util();
		bool		no_region = (region == nullptr || region[0] == '\0');
		PhoneNumber pn;
		int			valid = -1;	/* not known yet */
		bool		only_if_valid;

		if (fast && fast_parse(pu, input, len, region, &pn, &only_if_valid))
		{
			valid = fast_valid(pu, pn);
			if (valid < 0)
				valid = pu->IsValidNumber(pn) ? 1 : 0;
			if (valid == 0 && only_if_valid)
				valid = -1;
		}
		if (valid < 0)
		{
			std::string in(input, len);
			PhoneNumberUtil::ErrorType err;

			err = pu->Parse(in, no_region ? std::string("ZZ") : std::string(region), &pn);
			if (err != PhoneNumberUtil::NO_PARSING_ERROR)
			{
				if (no_region && err == PhoneNumberUtil::INVALID_COUNTRY_CODE_ERROR &&
					!has_plus(input, len))
					return CSP_NEEDS_REGION;
				return CSP_INVALID;
			}
			valid = pu->IsValidNumber(pn) ? 1 : 0;
		}
		if (!valid)
			return CSP_INVALID;

		std::string e164;

		pu->Format(pn, PhoneNumberUtil::E164, &e164);
		if (e164.size() + 1 > outsize)
			return CSP_INVALID;

		/*
		 * The stored form must read back as itself.  A national number
		 * that begins with its region's national prefix does not: read
		 * again, the prefix is stripped (Belarus, "8 810 123 4567" ->
		 * +3758101234567 -> +375101234567, not valid).  Only such numbers
		 * pay for the second parse; one that does not come back the same
		 * is refused.
		 */
		{
			std::string region_of, ndd, nsn;

			/* the main region of the country code: a map look-up, no pattern */
			pu->GetRegionCodeForCountryCode(pn.country_code(), &region_of);
			pu->GetNddPrefixForRegion(region_of, true, &ndd);
			pu->GetNationalSignificantNumber(pn, &nsn);
			if (!ndd.empty() && nsn.compare(0, ndd.size(), ndd) == 0)
			{
				PhoneNumber again;
				std::string e164_again;

				if (pu->Parse(e164, std::string("ZZ"), &again) != PhoneNumberUtil::NO_PARSING_ERROR ||
					!pu->IsValidNumber(again))
					return CSP_INVALID;
				pu->Format(again, PhoneNumberUtil::E164, &e164_again);
				if (e164_again != e164)
					return CSP_INVALID;
			}
		}
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
csp_normalize(const char *input, size_t len, const char *region,
			  char *out, size_t outsize)
{
	return normalize(input, len, region, out, outsize, true);
}

extern "C" int
csp_normalize_parse_only(const char *input, size_t len, const char *region,
						 char *out, size_t outsize)
{
	return normalize(input, len, region, out, outsize, false);
}

/* Take jobs off the shared counter until none is left. */
static void
work(CspJob *jobs, size_t n, const char *region, std::atomic<size_t> *next)
{
	for (;;)
	{
		size_t		i = next->fetch_add(1);

		if (i >= n)
			return;
		jobs[i].rc = csp_normalize(jobs[i].input, jobs[i].len, region,
								   jobs[i].out, sizeof(jobs[i].out));
	}
}

/* A batch whose helpers work while the caller does something else. */
struct CspBatch
{
	CspJob	   *jobs;
	size_t		n;
	std::string region;
	std::atomic<size_t> next;
	std::vector<std::thread> helpers;
};

extern "C" CspBatch *
csp_batch_start(CspJob *jobs, size_t n, const char *region, int nhelpers)
{
	CspBatch   *b;
	sigset_t	all,
				old;

	/*
	 * The library's instance is created here, not raced for by the
	 * threads.  Helper threads start with every signal blocked, so the
	 * server's signals keep going to the backend's own thread; starting
	 * one can fail (no threads left): the caller's thread then does more.
	 */
	try
	{
		(void) util();
		(void) fast_meta();
		if (region != nullptr && region[0] != '\0')
			(void) fast_region(region);
		b = new CspBatch();
		b->jobs = jobs;
		b->n = n;
		b->region = region ? region : "";
		b->next.store(0);
		b->helpers.reserve(nhelpers > 0 ? nhelpers : 0);
	}
	catch (...)
	{
		return nullptr;
	}
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (int t = 0; t < nhelpers; t++)
	{
		try
		{
			b->helpers.emplace_back(work, jobs, n, b->region.c_str(), &b->next);
		}
		catch (...)
		{
			break;
		}
	}
	pthread_sigmask(SIG_SETMASK, &old, nullptr);
	return b;
}

extern "C" size_t
csp_batch_work(CspBatch *b, size_t max)
{
	size_t		done = 0;

	while (done < max)
	{
		size_t		i = b->next.fetch_add(1);

		if (i >= b->n)
			break;
		b->jobs[i].rc = csp_normalize(b->jobs[i].input, b->jobs[i].len, b->region.c_str(),
									  b->jobs[i].out, sizeof(b->jobs[i].out));
		done++;
	}
	return done;
}

extern "C" void
csp_batch_end(CspBatch *b)
{
	b->next.store(b->n);
	for (auto &h : b->helpers)
		h.join();
	delete b;
}

extern "C" int
csp_normalize_many(CspJob *jobs, size_t n, const char *region, int nthreads)
{
	/* A helper for each 64 numbers beyond the first 64, up to nthreads - 1. */
	int			nhelpers = n > 0 ? (int) std::min<size_t>(nthreads > 1 ? nthreads - 1 : 0, (n - 1) / 64) : 0;
	CspBatch   *b = csp_batch_start(jobs, n, region, nhelpers);
	int			used;

	if (b == nullptr)
	{
		/* Not started: the caller's thread does every job. */
		for (size_t i = 0; i < n; i++)
			jobs[i].rc = csp_normalize(jobs[i].input, jobs[i].len, region,
									   jobs[i].out, sizeof(jobs[i].out));
		return 1;
	}
	while (csp_batch_work(b, n) > 0)
		;
	used = 1 + (int) b->helpers.size();
	csp_batch_end(b);
	return used;
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
