/*
 * staging.c — reading a staging table: mapping its columns to fields,
 * inferring the channel, and one pass over its rows in physical order that
 * validates and normalises every cell in C and writes the results, a chunk
 * at a time, into the import's work table (pg_temp.contactsync_work).
 */
#include "postgres.h"

#include "access/heapam.h"
#include "access/relscan.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/fmgrprotos.h"
#include "utils/guc.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "storage/lmgr.h"

#include "contactsync.h"
#include "import.h"
#include "validate.h"

#define CHUNK_ROWS 10000
/* Rows read ahead are validated once their cells take this much memory. */
#define BUFFER_BYTES (16 * 1024 * 1024)
/* Rows a table_multi_insert call writes. */
#define FLUSH_BATCH 1000

/* Columns of the work table written per chunk, in order. */
enum
{
	W_RN = 0,
	W_ST,
	W_CODES,
	W_MSG,
	W_KEYV,
	W_FIELDS,					/* CSF_LINE_UID .. CSF_CONSENT_AT follow */
	W_CUSTOM = W_FIELDS + CSF_EXTERNAL_MEMBER_ID,
	W_CELLS,
	W_TID,
	W_NCOLS
};

/*
 * cs_map_columns — map every staging column to a field, a custom field, or
 * a column warning.  Two columns for one field are a misuse error.
 */
void
cs_map_columns(CsImport *imp)
{
	Relation	rel = relation_open(imp->relid, AccessShareLock);
	TupleDesc	desc = RelationGetDescr(rel);
	int			i,
				f;

	imp->columns = palloc0(sizeof(CsColumn) * Max(desc->natts, 1));
	imp->ncolumns = 0;
	for (f = 0; f < CSF_NFIELDS; f++)
		imp->field_column[f] = -1;
	imp->platform_type_column = -1;

	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		CsColumn   *col;
		const char *name = NameStr(att->attname);
		int			len = strlen(name);

		if (att->attisdropped)
			continue;
		col = &imp->columns[imp->ncolumns];
		col->name = pstrdup(name);
		col->attnum = att->attnum;
		col->typid = att->atttypid;
		col->field = cs_field_by_header(name, len);
		col->custom = -1;

		if (col->field < 0 && len > 10 && pg_strncasecmp(name, "cl_custom_", 10) == 0)
		{
			int			k;

			for (k = 0; k < imp->ncustoms; k++)
				if (imp->customs[k].active &&
					pg_strcasecmp(imp->customs[k].identifier, name + 10) == 0)
					col->custom = k;
			if (col->custom < 0)
				imp->column_warnings = lappend(imp->column_warnings,
											   psprintf("column \"%s\" skipped: no active custom field \"%s\"",
														name, name + 10));
			else
			{
				int			other;

				for (other = 0; other < imp->ncolumns; other++)
					if (imp->columns[other].custom == col->custom)
						ereport(ERROR,
								(errcode(ERRCODE_DUPLICATE_COLUMN),
								 errmsg("columns \"%s\" and \"%s\" both map to custom field \"%s\"",
										imp->columns[other].name, name,
										imp->customs[col->custom].identifier),
								 errdetail("Custom field columns match their identifier case-insensitively."),
								 errhint("Drop or rename one of the two columns.")));
			}
		}
		else if (col->field < 0)
			imp->column_warnings = lappend(imp->column_warnings,
										   psprintf("column \"%s\" skipped: not a contact field", name));
		else if (col->field == CSF_PLATFORM_TYPE)
			imp->platform_type_column = imp->ncolumns;
		else if (imp->field_column[col->field] >= 0)
			ereport(ERROR,
					(errcode(ERRCODE_DUPLICATE_COLUMN),
					 errmsg("columns \"%s\" and \"%s\" both map to field \"%s\"",
							imp->columns[imp->field_column[col->field]].name, name,
							cs_fields[col->field].name),
					 errdetail("Column names and their aliases match fields case-insensitively."),
					 errhint("Drop or rename one of the two columns.")));
		else
			imp->field_column[col->field] = imp->ncolumns;
		imp->ncolumns++;
	}
	relation_close(rel, AccessShareLock);
}

/*
 * The characters with the Unicode White_Space property (cs_is_uwhite, the
 * test the reader trims cells with; none lies above U+3000), as a string of
 * the database encoding for btrim(): every cell is trimmed of them (SPEC §3).
 * Outside UTF-8 only the ASCII ones.
 */
static Datum
white_space_set(void)
{
	pg_wchar	last = GetDatabaseEncoding() == PG_UTF8 ? 0x3000 : 0x7F;
	StringInfoData buf;
	pg_wchar	c;

	initStringInfo(&buf);
	for (c = 1; c <= last; c++)
	{
		unsigned char utf8[8];

		if (!cs_is_uwhite(c))
			continue;
		memset(utf8, 0, sizeof(utf8));
		unicode_to_utf8(c, utf8);
		appendStringInfoString(&buf, (char *) utf8);
	}
	return CStringGetTextDatum(buf.data);
}

/*
 * cs_infer_channel — SPEC §3: the channel named by every non-empty
 * platform_type cell (trimmed of Unicode white space, as every cell is);
 * else whatsapp_mobile → whatsapp; line_uid → line; email +
 * messaging_status → email; else line.
 */
const CsChannelDef *
cs_infer_channel(CsImport *imp)
{
	if (imp->platform_type_column >= 0)
	{
		CsColumn   *col = &imp->columns[imp->platform_type_column];
		char	   *sql;
		int			rc;
		Oid			t[1] = {TEXTOID};
		Datum		v[1] = {white_space_set()};

		sql = psprintf("SELECT DISTINCT pg_catalog.lower(pg_catalog.btrim(%s::pg_catalog.text, $1)) "
					   "FROM %s WHERE pg_catalog.btrim(%s::pg_catalog.text, $1) <> '' LIMIT 2",
					   quote_identifier(col->name), imp->relname, quote_identifier(col->name));
		rc = SPI_execute_with_args(sql, 1, t, v, NULL, true, 0);
		if (rc != SPI_OK_SELECT)
			elog(ERROR, "SPI_execute failed: %s", SPI_result_code_string(rc));
		if (SPI_processed == 1)
		{
			char	   *v = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
			const CsChannelDef *ch = cs_channel_by_name(v);

			if (ch != NULL)
				return ch;
		}
	}
	if (imp->field_column[CSF_WHATSAPP_MOBILE] >= 0)
		return cs_channel_by_name("whatsapp");
	if (imp->field_column[CSF_LINE_UID] >= 0)
		return cs_channel_by_name("line");
	if (imp->field_column[CSF_EMAIL] >= 0 && imp->field_column[CSF_MESSAGING_STATUS] >= 0)
		return cs_channel_by_name("email");
	return cs_channel_by_name("line");
}

/*
 * A chunk of validated rows: each row's work-table columns as Datums of the
 * column's type, in the chunk's context until the chunk is written.
 */
typedef struct Chunk
{
	int			n;
	Datum		values[CHUNK_ROWS][W_NCOLS];
	bool		nulls[CHUNK_ROWS][W_NCOLS];
	MemoryContext cxt;
} Chunk;

/* Human text for a cell's row code. */
static const char *
code_text(const CsImport *imp, const char *code, int field)
{
	if (strcmp(code, "invalid_email") == 0)
		return "is not a valid email address";
	if (strcmp(code, "invalid_phone") == 0)
		return "is not a valid phone number";
	if (strcmp(code, "phone_needs_region") == 0)
		return "has no country code and no region is set (pass region => 'TW' to contactsync_import, or set one with contactsync_configure(default_region => ...))";
	if (strcmp(code, "invalid_line_uid") == 0)
		return "is not a LINE UID (U followed by 32 lower-case hex digits)";
	if (strcmp(code, "invalid_gender") == 0)
		return "must be female, male or unknown";
	if (strcmp(code, "invalid_date") == 0)
		return "must be a date written YYYY-MM-DD";
	if (strcmp(code, "invalid_datetime") == 0)
		return "must be a date and time written YYYY-MM-DD hh:mm:ss";
	if (strcmp(code, "invalid_number") == 0)
		return "must be a number";
	if (strcmp(code, "too_long") == 0)
		return "is longer than 255 characters";
	if (strcmp(code, "invalid_status") == 0)
	{
		StringInfoData buf;
		int			i;

		initStringInfo(&buf);
		appendStringInfoString(&buf, "must be one of ");
		for (i = 0; i < CS_MAX_STATUSES && imp->channel->statuses[i] != NULL; i++)
			appendStringInfo(&buf, "%s%s", i > 0 ? ", " : "", imp->channel->statuses[i]);
		return buf.data;
	}
	return code;
}

/* Add a code (once) and its message to the row's lists. */
static void
add_error(StringInfo codes, StringInfo msg, const char *code, const char *text)
{
	/* codes is ",a,b," so that a code is found as ",code," */
	char	   *needle = psprintf(",%s,", code);

	if (codes->len == 0)
		appendStringInfoChar(codes, ',');
	if (strstr(codes->data, needle) == NULL)
		appendStringInfo(codes, "%s,", code);
	if (msg->len > 0)
		appendStringInfoString(msg, "; ");
	appendStringInfoString(msg, text);
}

/* A local "YYYY-MM-DD hh:mm:ss" in the import's zone, as UTC text. */
static char *
local_to_utc(const CsImport *imp, const char *local)
{
	Datum		ts = DirectFunctionCall3(timestamp_in, CStringGetDatum(local),
										 ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
	Datum		tstz = DirectFunctionCall2(timestamp_zone,
										   CStringGetTextDatum(imp->timezone), ts);
	Datum		utc = DirectFunctionCall2(timestamptz_zone,
										  CStringGetTextDatum("UTC"), tstz);
	struct pg_tm tm;
	fsec_t		fsec;

	if (timestamp2tm(DatumGetTimestamp(utc), NULL, &tm, &fsec, NULL, NULL) != 0)
		return NULL;
	return psprintf("%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year, tm.tm_mon,
					tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* Validate one custom-field cell; NULL and the JSON value, or a code. */
static const char *
validate_custom(const CsImport *imp, char type, const char *s, int len, StringInfo json)
{
	char		buf[20];
	char	   *num;
	char	   *utc;

	switch (type)
	{
		case 'n':
			if (!cs_parse_number(s, len, &num))
				return "invalid_number";
			appendStringInfoString(json, num);
			return NULL;
		case 'd':
			if (!cs_parse_date(s, len, buf))
				return "invalid_date";
			escape_json(json, buf);
			return NULL;
		case 'D':
			if (!cs_parse_datetime(s, len, buf) || (utc = local_to_utc(imp, buf)) == NULL)
				return "invalid_datetime";
			escape_json(json, utc);
			return NULL;
		default:
			escape_json(json, pnstrdup(s, len));
			return NULL;
	}
}

/*
 * Split s at every comma into a text[], as string_to_array(s, ',') does
 * (an empty string gives an empty array).
 */
Datum
cs_split_commas(const char *s)
{
	int			n = 0,
				i = 0;
	const char *p;
	Datum	   *elems;

	if (*s == '\0')
		return PointerGetDatum(construct_empty_array(TEXTOID));
	for (p = s; *p; p++)
		n += (*p == ',');
	elems = palloc(sizeof(Datum) * (n + 1));
	for (;;)
	{
		const char *e = strchr(s, ',');

		if (e == NULL)
		{
			elems[i++] = PointerGetDatum(cstring_to_text(s));
			break;
		}
		elems[i++] = PointerGetDatum(cstring_to_text_with_len(s, e - s));
		s = e + 1;
	}
	return PointerGetDatum(construct_array(elems, i, TEXTOID, -1, false, TYPALIGN_INT));
}

/*
 * Store a C string (or NULL) into the chunk as the value of work-table
 * column col, converted to that column's type in the chunk's context.
 */
static void
put(Chunk *ch, int col, const char *s)
{
	MemoryContext old;
	Datum		d;

	if (s == NULL)
	{
		ch->nulls[ch->n][col] = true;
		ch->values[ch->n][col] = (Datum) 0;
		return;
	}
	old = MemoryContextSwitchTo(ch->cxt);
	if (col == W_CODES || col == W_FIELDS + CSF_TAGS)
		d = cs_split_commas(s);
	else if (col == W_FIELDS + CSF_BIRTHDAY)
		d = DirectFunctionCall1(date_in, CStringGetDatum(s));
	else if (col == W_FIELDS + CSF_CONSENT_AT)
	{
		/* A UTC time: the timestamptz has the timestamp's value. */
		d = DirectFunctionCall3(timestamp_in, CStringGetDatum(s),
								ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
	}
	else if (col == W_CUSTOM || col == W_CELLS)
		d = DirectFunctionCall1(jsonb_in, CStringGetDatum(s));
	else
		d = CStringGetTextDatum(s);
	ch->values[ch->n][col] = d;
	ch->nulls[ch->n][col] = false;
	MemoryContextSwitchTo(old);
}

/*
 * Validate one staging row (cells[i] is column i as text, or NULL) and add
 * it to the chunk.
 */
static void
process_row(CsImport *imp, Chunk *ch, int64 rn, char **cells, ItemPointer tid)
{
	const CsChannelDef *chan = imp->channel;
	char	   *values[CSF_NFIELDS] = {0};
	StringInfoData codes,
				msg,
				custom,
				cellsj;
	bool		skipped = false;
	bool		invalid[CSF_NFIELDS] = {0};
	int			i;
	int			ncustom = 0;

	initStringInfo(&codes);
	initStringInfo(&msg);
	initStringInfo(&custom);
	initStringInfo(&cellsj);
	appendStringInfoChar(&custom, '{');

	for (i = 0; i < imp->ncolumns; i++)
	{
		CsColumn   *col = &imp->columns[i];
		const char *s = cells[i];
		int			a = 0,
					b = 0;
		const char *code = NULL;
		char	   *value = NULL;
		int			field = col->field;

		if (field == CSF_EXTERNAL_MEMBER_ID)
		{
			/* The channel primary key, when no column names it directly. */
			if (imp->field_column[chan->primary] != i)
				continue;
			field = chan->primary;
		}
		if ((field < 0 || cs_fields[field].validator == CSV_NONE) && col->custom < 0)
			continue;
		if (s != NULL)
			cs_trim_utf8(s, strlen(s), &a, &b);
		if (b <= a)
			continue;			/* blank */

		if (col->custom >= 0)
		{
			StringInfoData v;

			initStringInfo(&v);
			code = validate_custom(imp, imp->customs[col->custom].type, s + a, b - a, &v);
			if (code == NULL)
			{
				if (ncustom++ > 0)
					appendStringInfoChar(&custom, ',');
				escape_json(&custom, imp->customs[col->custom].identifier);
				appendStringInfoChar(&custom, ':');
				appendBinaryStringInfo(&custom, v.data, v.len);
			}
		}
		else
		{
			code = cs_validate(chan, cs_fields[field].validator, s + a, b - a,
							   imp->region, &value);
			if (code == NULL && field == CSF_CONSENT_AT)
				value = local_to_utc(imp, value);
			if (code == NULL)
				values[field] = value;
			else
				invalid[field] = true;
		}
		if (code != NULL)
			add_error(&codes, &msg, code,
					  psprintf("%s \"%s\" %s", col->name,
							   pnstrdup(s + a, Min(b - a, 100)), code_text(imp, code, field)));
	}
	appendStringInfoChar(&custom, '}');

	/* Required fields; whatsapp's empty status skips the row. */
	for (i = 0; i < CSF_NFIELDS; i++)
	{
		if (!(chan->flags[i] & CS_REQUIRED) || values[i] != NULL)
			continue;
		if (cs_fields[i].validator == CSV_STATUS && chan->skip_empty_status)
		{
			/* Only when the cell is blank, not when it is invalid. */
			if (!invalid[i])
				skipped = true;
			continue;
		}
		/* An invalid value already has its code. */
		if (invalid[i])
			continue;
		/* (a required field that is also the key has missing_key as well) */
		add_error(&codes, &msg, "missing_required",
				  psprintf("%s is required on %s contacts", cs_fields[i].name, chan->name));
	}
	if (values[imp->key_field] == NULL && !invalid[imp->key_field])
		add_error(&codes, &msg, "missing_key",
				  psprintf("the key %s is empty", imp->key));

	/* Original cells, for failure reports (tables: rebuilt later by ctid). */
	appendStringInfoChar(&cellsj, '{');
	for (i = 0; i < imp->ncolumns && !imp->lazy_cells; i++)
	{
		if (i > 0)
			appendStringInfoChar(&cellsj, ',');
		escape_json(&cellsj, imp->columns[i].name);
		appendStringInfoChar(&cellsj, ':');
		if (cells[i] == NULL)
			appendStringInfoString(&cellsj, "null");
		else
			escape_json(&cellsj, cells[i]);
	}
	appendStringInfoChar(&cellsj, '}');

	ch->values[ch->n][W_RN] = Int32GetDatum((int32) rn);
	ch->nulls[ch->n][W_RN] = false;
	if (skipped)
	{
		put(ch, W_ST, "skipped");
		put(ch, W_CODES, "status_empty");
		put(ch, W_MSG, "messaging_status is empty: the row is skipped");
	}
	else if (codes.len > 0)
	{
		/* ",a,b," to "a,b" */
		codes.data[codes.len - 1] = '\0';
		put(ch, W_ST, "failed");
		put(ch, W_CODES, codes.data + 1);
		put(ch, W_MSG, msg.data);
	}
	else
	{
		put(ch, W_ST, NULL);
		put(ch, W_CODES, NULL);
		put(ch, W_MSG, NULL);
		imp->nopen++;
	}
	put(ch, W_KEYV, values[imp->key_field]);
	if (!skipped && values[imp->key_field] != NULL)
	{
		uint64		h = hash_bytes_extended((const unsigned char *) values[imp->key_field],
											strlen(values[imp->key_field]), 0);

		if (imp->nkey_hashes == imp->key_hash_cap)
		{
			imp->key_hash_cap *= 2;
			imp->key_hashes = repalloc_huge(imp->key_hashes, sizeof(uint64) * imp->key_hash_cap);
		}
		if (cs_key_hash_bits < 64)
			h &= (UINT64CONST(1) << cs_key_hash_bits) - 1;
		imp->key_hashes[imp->nkey_hashes++] = h;
	}
	for (i = 0; i < CSF_EXTERNAL_MEMBER_ID; i++)
		put(ch, W_FIELDS + i, values[i]);
	put(ch, W_CUSTOM, ncustom > 0 ? custom.data : NULL);
	put(ch, W_CELLS, imp->lazy_cells ? NULL : cellsj.data);
	if (tid != NULL)
	{
		ItemPointer copy = MemoryContextAlloc(ch->cxt, sizeof(ItemPointerData));

		ItemPointerCopy(tid, copy);
		ch->values[ch->n][W_TID] = PointerGetDatum(copy);
		ch->nulls[ch->n][W_TID] = false;
	}
	else
		put(ch, W_TID, NULL);
	ch->n++;
}

/*
 * Write the chunk's rows into the work table, as COPY writes a table: heap
 * tuples formed from the rows' Datums and inserted in batches through a
 * bulk-insert state (the work table has no index and no trigger).
 */
static void
flush_chunk(CsImport *imp, Chunk *ch)
{
	Relation	rel;
	TupleTableSlot *slots[FLUSH_BATCH];
	BulkInsertState bistate;
	CommandId	cid = GetCurrentCommandId(true);
	MemoryContext old;
	int			r,
				k;

	if (ch->n == 0)
		return;
	/* What the insert allocates goes with the chunk. */
	old = MemoryContextSwitchTo(ch->cxt);
	rel = table_open(imp->work_relid, RowExclusiveLock);
	bistate = GetBulkInsertState();
	for (k = 0; k < FLUSH_BATCH; k++)
		slots[k] = table_slot_create(rel, NULL);
	for (r = 0; r < ch->n; r += FLUSH_BATCH)
	{
		int			n = Min(FLUSH_BATCH, ch->n - r);

		for (k = 0; k < n; k++)
		{
			TupleTableSlot *slot = slots[k];

			ExecClearTuple(slot);
			memcpy(slot->tts_values, ch->values[r + k], sizeof(Datum) * W_NCOLS);
			memcpy(slot->tts_isnull, ch->nulls[r + k], sizeof(bool) * W_NCOLS);
			ExecStoreVirtualTuple(slot);
		}
		table_multi_insert(rel, slots, n, cid, 0, bistate);
	}
	for (k = 0; k < FLUSH_BATCH; k++)
		ExecDropSingleTupleTableSlot(slots[k]);
	FreeBulkInsertState(bistate);
	table_close(rel, NoLock);
	MemoryContextSwitchTo(old);
	ch->n = 0;
	MemoryContextReset(ch->cxt);
}

/*
 * Rows read but not yet validated: a chunk's worth (or 16 MB of cells,
 * whichever comes first) is gathered, so their phone numbers can be
 * normalised together on helper threads (cs_phone_batch_start) before each
 * row is validated.
 */
typedef struct RowBuffer
{
	int			n;
	char	  **cells[CHUNK_ROWS];
	ItemPointerData tids[CHUNK_ROWS];
	bool		has_tid;
	MemoryContext cxt;			/* the cells; reset per chunk */
	bool	   *phone_col;		/* per column: validated as a phone number */
	CsPhoneBatch *phones;		/* its numbers, normalised in the background */
} RowBuffer;

/*
 * Rows are read into two buffers in turn: once one is full, its phone
 * numbers start on helper threads, and the backend validates and writes
 * the other (read before it) meanwhile.
 */
typedef struct RowBuffers
{
	RowBuffer  *reading;		/* being filled */
	RowBuffer  *waiting;		/* full, its numbers started; rows before those being read */
} RowBuffers;

/* Whether column i of the import is validated as a phone number. */
static bool
column_is_phone(const CsImport *imp, int i)
{
	const CsColumn *col = &imp->columns[i];
	int			field = col->field;

	if (col->custom >= 0)
		return false;
	if (field == CSF_EXTERNAL_MEMBER_ID)
	{
		if (imp->field_column[imp->channel->primary] != i)
			return false;
		field = imp->channel->primary;
	}
	return field >= 0 && cs_fields[field].validator == CSV_PHONE;
}

/* Start normalising the buffered rows' phone numbers in the background. */
static void
start_buffer(CsImport *imp, RowBuffer *buf)
{
	MemoryContext old = MemoryContextSwitchTo(buf->cxt);
	const char **inputs = palloc(sizeof(char *) * Max(buf->n * imp->ncolumns, 1));
	int		   *lens = palloc(sizeof(int) * Max(buf->n * imp->ncolumns, 1));
	int			n = 0,
				r,
				i;

	for (r = 0; r < buf->n; r++)
		for (i = 0; i < imp->ncolumns; i++)
			if (buf->phone_col[i] && buf->cells[r][i] != NULL)
			{
				inputs[n] = buf->cells[r][i];
				lens[n++] = strlen(buf->cells[r][i]);
			}
	buf->phones = n > 0 ? cs_phone_batch_start(inputs, lens, n, imp->region) : NULL;
	MemoryContextSwitchTo(old);
}

/* Validate the buffered rows into the chunk, and write the chunk. */
static void
process_buffer(CsImport *imp, Chunk *ch, RowBuffer *buf, MemoryContext rowcxt)
{
	int			r;

	cs_phone_batch_install(buf->phones);
	for (r = 0; r < buf->n; r++)
	{
		MemoryContext old;

		CHECK_FOR_INTERRUPTS();
		old = MemoryContextSwitchTo(rowcxt);
		process_row(imp, ch, ++imp->rows, buf->cells[r], buf->has_tid ? &buf->tids[r] : NULL);
		MemoryContextSwitchTo(old);
		MemoryContextReset(rowcxt);
	}
	cs_phone_prefetch_reset();
	flush_chunk(imp, ch);
	MemoryContextReset(buf->cxt);	/* the phone batch with it */
	buf->phones = NULL;
	buf->n = 0;
}

/*
 * The buffer being read is full: start its numbers, process the one
 * waiting (its numbers were started a buffer ago), and read into that one.
 */
static void
hand_over(CsImport *imp, Chunk *ch, RowBuffers *bufs, MemoryContext rowcxt)
{
	RowBuffer  *full = bufs->reading;

	start_buffer(imp, full);
	if (bufs->waiting->n > 0)
		process_buffer(imp, ch, bufs->waiting, rowcxt);
	bufs->reading = bufs->waiting;
	bufs->waiting = full;
}

static bool
buffer_full(RowBuffer *buf)
{
	return buf->n == CHUNK_ROWS || MemoryContextMemAllocated(buf->cxt, false) > BUFFER_BYTES;
}

/*
 * cs_read_staging — one pass over the staging rows in physical order (a
 * heap scan without synchronised start, so row 1 is the first row COPY
 * wrote; other relation kinds are read through a cursor), a chunk of rows
 * at a time: their cells as text, their phone numbers normalised together
 * on helper threads while the backend validates the chunk read before
 * (RowBuffers), then each row validated in a per-row memory context and
 * added to the work table.
 */
void
cs_read_staging(CsImport *imp)
{
	Chunk	   *ch = palloc0(sizeof(Chunk));
	RowBuffers	bufs;
	RowBuffer  *buf;
	bool	   *phone_col;		/* shared by both buffers */
	int			b;
	MemoryContext rowcxt,
				old;
	Oid		   *outfuncs = palloc0(sizeof(Oid) * Max(imp->ncolumns, 1));
	int			i;
	int			guc_level;
	Relation	rel;

	ch->cxt = AllocSetContextCreate(CurrentMemoryContext, "contactsync chunk",
									ALLOCSET_DEFAULT_SIZES);
	rowcxt = AllocSetContextCreate(CurrentMemoryContext, "contactsync row",
								   ALLOCSET_DEFAULT_SIZES);
	phone_col = palloc0(sizeof(bool) * Max(imp->ncolumns, 1));
	for (b = 0; b < 2; b++)
	{
		buf = palloc0(sizeof(RowBuffer));
		buf->cxt = AllocSetContextCreate(CurrentMemoryContext, "contactsync rows read",
										 ALLOCSET_DEFAULT_SIZES);
		buf->phone_col = phone_col;
		if (b == 0)
			bufs.reading = buf;
		else
			bufs.waiting = buf;
	}
	/* In the caller's context: the duplicate check reads them. */
	imp->key_hash_cap = 1024;
	imp->nkey_hashes = 0;
	imp->key_hashes = palloc(sizeof(uint64) * imp->key_hash_cap);
	imp->work_relid = get_relname_relid("contactsync_work", LookupExplicitNamespace("pg_temp", false));
	if (!OidIsValid(imp->work_relid))
		elog(ERROR, "the import's work table is missing");
	for (i = 0; i < imp->ncolumns; i++)
	{
		bool		varlena;

		getTypeOutputInfo(imp->columns[i].typid, &outfuncs[i], &varlena);
		phone_col[i] = column_is_phone(imp, i);
	}

	/*
	 * Typed staging columns are read through their output functions: a date
	 * column gives YYYY-MM-DD whatever the session's DateStyle.
	 */
	guc_level = NewGUCNestLevel();
	(void) set_config_option("datestyle", "ISO, YMD", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	rel = relation_open(imp->relid, AccessShareLock);
	if (rel->rd_rel->relkind == RELKIND_RELATION || rel->rd_rel->relkind == RELKIND_MATVIEW)
	{
		TableScanDesc scan;
		TupleTableSlot *slot;

		/*
		 * Hold the table against writes until the import commits: the cells
		 * of failed rows are read again by ctid at the end.
		 */
		LockRelationOid(imp->relid, ShareLock);
		scan = table_beginscan_strat(rel, GetActiveSnapshot(), 0, NULL, true, false);
		slot = table_slot_create(rel, NULL);
		bufs.reading->has_tid = bufs.waiting->has_tid = true;

		while (table_scan_getnextslot(scan, ForwardScanDirection, slot))
		{
			char	  **cells;

			CHECK_FOR_INTERRUPTS();
			buf = bufs.reading;
			old = MemoryContextSwitchTo(buf->cxt);
			slot_getallattrs(slot);
			cells = palloc(sizeof(char *) * Max(imp->ncolumns, 1));
			for (i = 0; i < imp->ncolumns; i++)
			{
				int			att = imp->columns[i].attnum - 1;

				cells[i] = slot->tts_isnull[att] ? NULL :
					OidOutputFunctionCall(outfuncs[i], slot->tts_values[att]);
			}
			buf->cells[buf->n] = cells;
			buf->tids[buf->n++] = slot->tts_tid;
			MemoryContextSwitchTo(old);
			if (buffer_full(buf))
				hand_over(imp, ch, &bufs, rowcxt);
		}
		ExecDropSingleTupleTableSlot(slot);
		table_endscan(scan);
	}
	else
	{
		Portal		portal;
		char	   *sql = psprintf("SELECT * FROM %s", imp->relname);
		SPIPlanPtr	plan = SPI_prepare(sql, 0, NULL);

		if (plan == NULL)
			elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
		portal = SPI_cursor_open(NULL, plan, NULL, NULL, true);
		for (;;)
		{
			uint64		r;
			SPITupleTable *tt;

			SPI_cursor_fetch(portal, true, 1000);
			if (SPI_processed == 0)
				break;
			tt = SPI_tuptable;
			for (r = 0; r < SPI_processed; r++)
			{
				char	  **cells;

				CHECK_FOR_INTERRUPTS();
				buf = bufs.reading;
				old = MemoryContextSwitchTo(buf->cxt);
				cells = palloc(sizeof(char *) * Max(imp->ncolumns, 1));
				for (i = 0; i < imp->ncolumns; i++)
				{
					bool		isnull;
					Datum		d = SPI_getbinval(tt->vals[r], tt->tupdesc,
												  imp->columns[i].attnum, &isnull);

					cells[i] = isnull ? NULL : OidOutputFunctionCall(outfuncs[i], d);
				}
				buf->cells[buf->n++] = cells;
				MemoryContextSwitchTo(old);
				if (buffer_full(buf))
					hand_over(imp, ch, &bufs, rowcxt);
			}
			SPI_freetuptable(tt);
		}
		SPI_cursor_close(portal);
	}
	relation_close(rel, AccessShareLock);
	AtEOXact_GUC(true, guc_level);
	/* The rows waiting, then the last ones read (the chunk written even if empty). */
	start_buffer(imp, bufs.reading);
	if (bufs.waiting->n > 0)
		process_buffer(imp, ch, bufs.waiting, rowcxt);
	process_buffer(imp, ch, bufs.reading, rowcxt);
	CommandCounterIncrement();	/* the statements after see the rows */
	MemoryContextDelete(rowcxt);
	MemoryContextDelete(bufs.reading->cxt);
	MemoryContextDelete(bufs.waiting->cxt);
	MemoryContextDelete(ch->cxt);
}
