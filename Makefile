# contactsync — PGXS build.
#
# The version lives only in contactsync.control; the install script
# contactsync--$(EXTVERSION).sql is built from the parts under sql/.
# Released install scripts (sql/versions/) and update scripts
# (sql/contactsync--A--B.sql) are installed as they are: doc/upgrading.md.
# Tests: pg_regress inputs in test/sql with expected output in the top-level
# expected/, isolation specs in test/specs, TAP tests in test/t.

EXTENSION  = contactsync
EXTVERSION = $(shell sed -n "s/^default_version[[:space:]]*=[[:space:]]*'\([^']*\)'.*/\1/p" $(EXTENSION).control)

MODULE_big = contactsync
OBJS = $(patsubst %.c,%.o,$(wildcard src/*.c)) $(patsubst %.cpp,%.o,$(wildcard src/*.cpp))

# The install script: one object (or family) per file, concatenated in a
# fixed order (tables, then functions, then views).
SQL_PARTS = sql/header.sql \
            $(sort $(wildcard sql/tables/*.sql)) \
            $(sort $(wildcard sql/functions/*.sql)) \
            $(sort $(wildcard sql/views/*.sql))
DATA_built = $(EXTENSION)--$(EXTVERSION).sql
# Update scripts (sql/contactsync--<from>--<to>.sql) and the install scripts
# of released versions, frozen as they shipped (sql/versions/).
DATA = $(wildcard sql/$(EXTENSION)--*--*.sql) \
       $(filter-out sql/versions/$(EXTENSION)--$(EXTVERSION).sql,$(wildcard sql/versions/$(EXTENSION)--*.sql))

REGRESS = $(sort $(patsubst test/sql/%.sql,%,$(wildcard test/sql/*.sql)))
REGRESS_OPTS = --inputdir=test
ISOLATION = $(sort $(patsubst test/specs/%.spec,%,$(wildcard test/specs/*.spec)))
ISOLATION_OPTS = --inputdir=test
TAP_TESTS = 1

EXTRA_CLEAN = $(EXTENSION)--$(EXTVERSION).sql test/corpus/phone_corpus

PG_CPPFLAGS = -Isrc
PG_CFLAGS = -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -Wno-sign-compare
# COPT (extra compiler flags: PGXS adds them to CFLAGS and LDFLAGS) applies
# to the C++ file too, so a sanitizer build instruments all of it.
PG_CXXFLAGS = -std=c++17 -Wall -Wextra -Wno-unused-parameter $(COPT)
SHLIB_LINK = -lphonenumber -lprotobuf -licui18n -licuuc -licudata -lstdc++

# No LLVM bitcode: it needs clang at build time and buys nothing here.
override with_llvm = no

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# PGXS tracks no header dependencies: rebuild every object when one changes.
$(OBJS): $(wildcard src/*.h)

$(EXTENSION)--$(EXTVERSION).sql: $(SQL_PARTS) $(EXTENSION).control
	cat $(SQL_PARTS) > $@

# The three parts of installcheck, so the test command reports each.
installcheck-regress-only:
	$(pg_regress_installcheck) $(REGRESS_OPTS) $(REGRESS)

installcheck-isolation-only:
	$(if $(ISOLATION),$(pg_isolation_regress_installcheck) $(ISOLATION_OPTS) $(ISOLATION),@echo "no isolation specs")

installcheck-tap-only:
	$(prove_installcheck)

.PHONY: installcheck-regress-only installcheck-isolation-only installcheck-tap-only
