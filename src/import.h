/*
 * import.h — state of one contactsync_import call, shared by the staging
 * reader (staging.c) and the orchestration (import.c).
 */
#ifndef CONTACTSYNC_IMPORT_H
#define CONTACTSYNC_IMPORT_H

#include "postgres.h"

#include "access/attnum.h"
#include "executor/spi.h"
#include "nodes/pg_list.h"

#include "channel.h"
#include "unify.h"

/* A custom field of the workspace, as a staging column can name it. */
typedef struct CsCustomField
{
	char	   *identifier;
	char		type;			/* 't'ext, 'n'umber, 'd'ate, 'D'atetime */
	bool		active;
} CsCustomField;

/* One staging column and what it maps to. */
typedef struct CsColumn
{
	char	   *name;			/* the column's own name */
	AttrNumber	attnum;
	Oid			typid;
	int			field;			/* CsFieldId, or -1 */
	int			custom;			/* index into customs, or -1 */
} CsColumn;

typedef struct CsImport
{
	/* parameters */
	Oid			relid;
	char	   *relname;		/* quoted, qualified */
	char	   *display_name;	/* unqualified for temp tables */
	const CsChannelDef *channel;
	char	   *key;			/* as given */
	CsFieldId	key_field;		/* the field the key reads */
	char	   *mode;
	bool		overwrite;
	bool		tags_replace;
	const char *region;			/* resolved, or NULL */
	char	   *timezone;
	char	   *workspace;
	char	   *platform_name;
	Datum		add_tags;		/* text[] or 0 */
	bool		on_duplicate_last;
	bool		on_ambiguous_error;
	bool		customer_id_creates;
	bool		unify;
	bool		dry_run;
	bool		lazy_cells;		/* cells rebuilt from the staging table by ctid */

	/* staging columns */
	int			ncolumns;
	CsColumn   *columns;
	int			field_column[CSF_NFIELDS];	/* index into columns, or -1 */
	int			platform_type_column;
	List	   *column_warnings;	/* of char * */

	/* custom fields of the workspace */
	int			ncustoms;
	CsCustomField *customs;

	/* progress */
	TimestampTz started;
	TimestampTz last_report;
	TimestampTz phase_started;

	/*
	 * 64-bit hashes of the keys of the rows still in play, gathered while
	 * reading: when no two are equal, no key repeats and the duplicate check
	 * has nothing to look for (equal hashes send it to the exact check).
	 */
	uint64	   *key_hashes;
	int64		nkey_hashes;
	int64		key_hash_cap;
	Oid			work_relid;		/* pg_temp.contactsync_work, which the reader fills */

	/* set-up */
	char	   *schema;			/* quoted extension schema */
	Oid			schema_oid;
	bool		tags_union;		/* contactsync_tags_union is installed (0.2.0) */
	UnifyKeys	split_keys;		/* the workspace's unify keys (customer_id always) */
	bool		row_sets;		/* contactsync_import_row_set exists (0.2.0) */
	int64		counts[5];		/* rows by status: created, updated, unchanged, skipped, failed */
	int64		batch_id;
	int64		rows;
	int64		conflicts;		/* contacts in conflicts the import touched */
	bool		unified;		/* unification ran before the creates */
	int64		ncreate;		/* rows that create, once classified */
	int64		nopen;			/* rows the reader left open (no status yet) */
} CsImport;

/* staging.c */
extern void cs_map_columns(CsImport *imp);
extern const CsChannelDef *cs_infer_channel(CsImport *imp);
extern void cs_read_staging(CsImport *imp);

/* import.c */
extern void cs_progress(CsImport *imp, const char *phase, int64 rows);
extern void cs_workspace_lock(const char *workspace);
extern void cs_spi_exec(const char *sql, int nargs, Oid *types, Datum *values,
						const char *nulls, int expected);

/* bulk.c */
extern int64 cs_bulk_insert(Oid relid, const char *query, int nargs, Oid *types, Datum *values,
							const char *nulls);
extern int64 cs_bulk_update(Oid relid, const char *query, int nargs, Oid *types, Datum *values,
							const char *nulls, int64 **retry, int *nretry);
typedef struct CsBulkUpdate CsBulkUpdate;
extern CsBulkUpdate *cs_bulk_update_begin(Oid relid, Size budget);
extern int64 cs_bulk_update_rows(CsBulkUpdate *bu, const char *query, int nargs, Oid *types,
								 Datum *values, const char *nulls, int64 **retry, int *nretry);
extern void cs_bulk_update_end(CsBulkUpdate *bu);

/* s split at every comma into a text[], as string_to_array(s, ',') does. */
extern Datum cs_split_commas(const char *s);

#endif							/* CONTACTSYNC_IMPORT_H */
