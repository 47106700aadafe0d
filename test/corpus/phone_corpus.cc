// phone_corpus: generate a tab-separated corpus of phone-number parsing cases
// whose expected results come from libphonenumber itself.
//
// Output (stdout), one case per line, no header:
//     input <TAB> region <TAB> expected
// `region` is the region code the input is parsed with (empty = none, which
// is parsed as "ZZ"); `expected` is the E.164 form when libphonenumber parses
// the input and judges the number valid, and empty otherwise.
//
// The output is deterministic: regions are visited in sorted order, forms are
// emitted in a fixed order, and duplicate (input, region) pairs are dropped.

#include <phonenumbers/phonemetadata.pb.h>
#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

#include <cstdio>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

// The compiled-in metadata blob. libphonenumber exports these accessors (they
// are declared in its metadata.h, which Debian does not install); they give
// the serialized PhoneMetadataCollection the library itself is built from.
namespace i18n {
namespace phonenumbers {
int metadata_size();
const void* metadata_get();
}  // namespace phonenumbers
}  // namespace i18n

namespace {

using i18n::phonenumbers::PhoneMetadata;
using i18n::phonenumbers::PhoneMetadataCollection;
using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

// Number types for which an example number is requested, in output order.
const PhoneNumberUtil::PhoneNumberType kTypes[] = {
    PhoneNumberUtil::FIXED_LINE,   PhoneNumberUtil::MOBILE,
    PhoneNumberUtil::TOLL_FREE,    PhoneNumberUtil::PREMIUM_RATE,
    PhoneNumberUtil::SHARED_COST,  PhoneNumberUtil::VOIP,
    PhoneNumberUtil::PERSONAL_NUMBER, PhoneNumberUtil::PAGER,
    PhoneNumberUtil::UAN,          PhoneNumberUtil::VOICEMAIL,
};

// Ordered, duplicate-free list of (input, region) cases. Keeping insertion
// order makes the output stable; the set drops forms that coincide.
class Corpus {
 public:
  // Add one case; identical (input, region) pairs are kept only once.
  // Inputs containing a tab or newline would break the format, so they are
  // rejected (none of the generated forms should ever contain one).
  void Add(const std::string& input, const std::string& region) {
    if (input.empty() ||
        input.find_first_of("\t\r\n") != std::string::npos) {
      return;
    }
    if (seen_.insert(std::make_pair(input, region)).second) {
      cases_.emplace_back(input, region);
    }
  }

  const std::vector<std::pair<std::string, std::string>>& cases() const {
    return cases_;
  }

 private:
  std::set<std::pair<std::string, std::string>> seen_;
  std::vector<std::pair<std::string, std::string>> cases_;
};

// True if `s` is a non-empty string of ASCII digits.
bool IsPlainDigits(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// Map region code -> international dialling prefix usable as plain digits.
// The preferred_international_prefix is used when present and plain digits,
// otherwise international_prefix when it is plain digits. Regions whose
// prefix is only a pattern (e.g. "00[89]") or contains a wait-for-tone
// marker with no plain fallback are left out. Non-geographic entities
// ("001") are skipped: they are not regions.
std::map<std::string, std::string> LoadIddPrefixes() {
  std::map<std::string, std::string> prefixes;
  PhoneMetadataCollection collection;
  if (!collection.ParseFromArray(i18n::phonenumbers::metadata_get(),
                                 i18n::phonenumbers::metadata_size())) {
    std::cerr << "phone_corpus: cannot parse libphonenumber metadata\n";
    return prefixes;
  }
  for (const PhoneMetadata& m : collection.metadata()) {
    if (m.id() == "001") continue;
    if (m.has_preferred_international_prefix() &&
        IsPlainDigits(m.preferred_international_prefix())) {
      prefixes[m.id()] = m.preferred_international_prefix();
    } else if (IsPlainDigits(m.international_prefix())) {
      prefixes[m.id()] = m.international_prefix();
    }
  }
  return prefixes;
}

// What libphonenumber says about `input` parsed with `region` (empty means
// no region, i.e. "ZZ"): the E.164 form if it parses and is valid, else "".
std::string Expected(const PhoneNumberUtil& util, const std::string& input,
                     const std::string& region) {
  PhoneNumber number;
  if (util.Parse(input, region.empty() ? "ZZ" : region, &number) !=
      PhoneNumberUtil::NO_PARSING_ERROR) {
    return "";
  }
  if (!util.IsValidNumber(number)) return "";
  std::string e164;
  util.Format(number, PhoneNumberUtil::E164, &e164);
  return e164;
}

// Split a formatted number into its maximal runs of ASCII digits, so that
// the separators between groups can be replaced uniformly.
std::vector<std::string> DigitGroups(const std::string& formatted) {
  std::vector<std::string> groups;
  std::string current;
  for (char c : formatted) {
    if (c >= '0' && c <= '9') {
      current += c;
    } else if (!current.empty()) {
      groups.push_back(current);
      current.clear();
    }
  }
  if (!current.empty()) groups.push_back(current);
  return groups;
}

// Join `groups[from..]` with `sep` between consecutive groups.
std::string Join(const std::vector<std::string>& groups, const std::string& sep,
                 size_t from = 0) {
  std::string out;
  for (size_t i = from; i < groups.size(); ++i) {
    if (i > from) out += sep;
    out += groups[i];
  }
  return out;
}

// Replace every ASCII digit with its full-width form (U+FF10..U+FF19, UTF-8
// EF BC 90..99) and '+' with the full-width plus U+FF0B (EF BC 8B). Other
// characters are copied unchanged.
std::string FullWidth(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c >= '0' && c <= '9') {
      out += "\xEF\xBC";
      out += static_cast<char>(0x90 + (c - '0'));
    } else if (c == '+') {
      out += "\xEF\xBC\x8B";
    } else {
      out += c;
    }
  }
  return out;
}

// National forms of a number: the NATIONAL format as libphonenumber writes
// it, then the same digit groups run together, joined by dashes, by dots,
// by single spaces, with the first group in parentheses, and as full-width
// digits. Coinciding variants are removed later by Corpus::Add.
std::vector<std::string> NationalForms(const std::string& national) {
  std::vector<std::string> forms = {national};
  const std::vector<std::string> groups = DigitGroups(national);
  if (groups.empty()) return forms;
  forms.push_back(Join(groups, ""));
  forms.push_back(Join(groups, "-"));
  forms.push_back(Join(groups, "."));
  forms.push_back(Join(groups, " "));
  if (groups.size() >= 2) {
    forms.push_back("(" + groups[0] + ") " + Join(groups, " ", 1));
  }
  forms.push_back(FullWidth(Join(groups, "")));
  return forms;
}

// Add every form of one example number of `region`: E.164 and INTERNATIONAL
// (with the region and again with none), the national forms (with the region
// and again with none), full-width E.164, and the IDD-prefixed forms when
// the region has a plain-digit international prefix (`idd`, may be empty).
void AddNumberForms(const PhoneNumberUtil& util, const PhoneNumber& number,
                    const std::string& region, const std::string& idd,
                    Corpus* corpus) {
  std::string e164, international, national, nsn;
  util.Format(number, PhoneNumberUtil::E164, &e164);
  util.Format(number, PhoneNumberUtil::INTERNATIONAL, &international);
  util.Format(number, PhoneNumberUtil::NATIONAL, &national);
  util.GetNationalSignificantNumber(number, &nsn);
  const std::string cc = std::to_string(number.country_code());

  corpus->Add(e164, region);
  corpus->Add(international, region);
  corpus->Add(e164, "");
  corpus->Add(international, "");

  const std::vector<std::string> national_forms = NationalForms(national);
  for (const std::string& form : national_forms) corpus->Add(form, region);

  corpus->Add(FullWidth(e164), region);

  if (!idd.empty()) {
    corpus->Add(idd + cc + nsn, region);
    // INTERNATIONAL is "+CC rest"; swap the '+' for "IDD ".
    corpus->Add(idd + " " + international.substr(1), region);
  }

  for (const std::string& form : national_forms) corpus->Add(form, "");

  // Written with the country code and then something Parse may strip or
  // keep: the region's national prefix, leading zeros, a digit that is the
  // national prefix somewhere; with separators; and every case once with
  // no region.  (The normaliser reads "+" and digits, and digits in a
  // region, without Parse where it can tell what Parse would do: these are
  // the edges of that fast path.)
  std::string ndd;
  util.GetNddPrefixForRegion(region.empty() ? "ZZ" : region, true, &ndd);
  const std::vector<std::string> groups = DigitGroups(international);
  for (const std::string& prefix : {ndd, std::string("0"), std::string("00"),
                                    std::string("1"), std::string("8"),
                                    std::string("9")}) {
    if (prefix.empty()) continue;
    corpus->Add("+" + cc + prefix + nsn, region);
    corpus->Add("+" + cc + prefix + nsn, "");
    corpus->Add("+" + cc + " " + prefix + " " + nsn, region);
  }
  // The national number in its region after the same prefixes, or after
  // the calling code (no "+"), or with a digit dropped or added.
  for (const std::string& prefix : {ndd, std::string("0"), std::string("00"),
                                    std::string("1"), std::string("8"),
                                    std::string("9"), cc}) {
    if (prefix.empty() || region.empty()) continue;
    corpus->Add(prefix + nsn, region);
    corpus->Add(prefix + "-" + nsn, region);
  }
  if (!region.empty()) {
    corpus->Add(nsn, region);
    corpus->Add(nsn.substr(0, nsn.size() > 1 ? nsn.size() - 1 : 0), region);
    corpus->Add(ndd + nsn + "0", region);
  }
  if (groups.size() >= 2) {
    corpus->Add("+" + Join(groups, "-"), region);
    corpus->Add("+" + Join(groups, "-"), "");
    corpus->Add("+" + Join(groups, "--"), "");
    corpus->Add("+" + Join(groups, " - "), "");
  }
  corpus->Add("+" + cc + nsn.substr(0, nsn.size() > 1 ? nsn.size() - 1 : 0), "");
  corpus->Add("+" + cc + nsn + "0", "");
  corpus->Add("++" + cc + nsn, "");
  corpus->Add("+" + cc + nsn + " ", "");

  // The national number with one of its first three digits changed to each
  // other digit, with no region: numbers that the regions' patterns decide
  // (and, for a calling code shared by several regions, which region's),
  // most of them invalid.
  for (size_t pos = 0; pos < 3 && pos < nsn.size(); ++pos) {
    for (char digit = '0'; digit <= '9'; ++digit) {
      if (digit == nsn[pos]) continue;
      std::string altered = nsn;
      altered[pos] = digit;
      corpus->Add("+" + cc + altered, "");
    }
  }
}

// Add the deliberately damaged forms of `text` for `region`: the last digit
// removed, two digits appended, and a letter inserted in the middle.
// (libphonenumber decides what they mean; some may still be valid.)
void AddInvalidForms(const std::string& text, const std::string& region,
                     Corpus* corpus) {
  if (text.size() < 2) return;
  corpus->Add(text.substr(0, text.size() - 1), region);
  corpus->Add(text + "12", region);
  const size_t mid = text.size() / 2;
  corpus->Add(text.substr(0, mid) + "A" + text.substr(mid), region);
}

// Add all cases for one region: every distinct example number (one per
// number type that has one), then the damaged forms of the first of them,
// both in E.164 and in national format.
void AddRegion(const PhoneNumberUtil& util, const std::string& region,
               const std::string& idd, Corpus* corpus) {
  std::set<std::string> done;  // E.164 of example numbers already emitted
  bool have_first = false;
  PhoneNumber first;
  for (PhoneNumberUtil::PhoneNumberType type : kTypes) {
    PhoneNumber number;
    if (!util.GetExampleNumberForType(region, type, &number)) continue;
    std::string e164;
    util.Format(number, PhoneNumberUtil::E164, &e164);
    if (!done.insert(e164).second) continue;
    if (!have_first) {
      first = number;
      have_first = true;
    }
    AddNumberForms(util, number, region, idd, corpus);
  }
  if (have_first) {
    std::string e164, national;
    util.Format(first, PhoneNumberUtil::E164, &e164);
    util.Format(first, PhoneNumberUtil::NATIONAL, &national);
    AddInvalidForms(e164, region, corpus);
    AddInvalidForms(national, region, corpus);
  }
}

}  // namespace

// Build the corpus over all supported regions (sorted) and print it with
// the expected value computed by libphonenumber for each case.
int main() {
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();

  std::set<std::string> region_set;
  util.GetSupportedRegions(&region_set);
  const std::vector<std::string> regions(region_set.begin(),
                                         region_set.end());  // sorted

  const std::map<std::string, std::string> idd_prefixes = LoadIddPrefixes();

  Corpus corpus;
  for (const std::string& region : regions) {
    const auto it = idd_prefixes.find(region);
    AddRegion(util, region, it == idd_prefixes.end() ? "" : it->second,
              &corpus);
  }

  // The non-geographic calling codes (+800, +882, ...), with no region.
  std::set<int> global_codes;
  util.GetSupportedGlobalNetworkCallingCodes(&global_codes);
  for (int code : global_codes) {
    PhoneNumber number;
    if (util.GetExampleNumberForNonGeoEntity(code, &number)) {
      AddNumberForms(util, number, "", "", &corpus);
    }
  }

  for (const auto& c : corpus.cases()) {
    std::cout << c.first << '\t' << c.second << '\t'
              << Expected(util, c.first, c.second) << '\n';
  }
  std::cout.flush();
  return std::cout.good() ? 0 : 1;
}
