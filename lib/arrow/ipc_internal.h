/* ipc_internal.h — what the IPC schema decoder hands the IPC stream reader. */
#ifndef BLZ_IPC_INTERNAL_H
#define BLZ_IPC_INTERNAL_H

#include "flatbuf.h"

/* Physical layout of an array in an IPC body: which buffers and children a node consumes. */
typedef enum ipc_layout {
  LAYOUT_NULL, LAYOUT_BOOL, LAYOUT_FIXED, LAYOUT_VAR32, LAYOUT_VAR64, LAYOUT_VIEW,
  LAYOUT_LIST32, LAYOUT_LIST64, LAYOUT_FSL, LAYOUT_STRUCT,
  LAYOUT_REE,                          /* no buffers: run ends and values children */
  LAYOUT_LISTVIEW32, LAYOUT_LISTVIEW64 /* validity, offsets, sizes; one child */
} ipc_layout;

typedef struct ipc_field {
  ipc_layout layout;     /* of the values (for dictionary fields: of the dictionary) */
  int64_t width;         /* LAYOUT_FIXED: bytes per value; LAYOUT_FSL: list size */
  int swap;              /* big-endian input: bytes reversed per unit of this size (0: none, -1: cannot) */
  bool is_dict;
  int64_t dict_id;
  int index_bytes;       /* dictionary indices' width */
  int nchildren;
  struct ipc_field *children;
  char *path;            /* column name, for error messages */
} ipc_field;

#define IPC_MAX_DEPTH 64

/* Decodes a Schema table into an ArrowSchema (struct of the fields) and the parallel layout
 * tree; *big_endian tells the byte order of the bodies that follow. On success the caller owns both: release `out` and free `fields` with ipc_fields_free. */
blz_status ipc_decode_schema(const fb_table *schema, struct ArrowSchema *out, ipc_field **fields,
                             int *nfields, bool *big_endian, blz_error *err);
void ipc_fields_free(ipc_field *f, int n);
/* Deep copy of an ArrowSchema produced by ipc_decode_schema. */
blz_status ipc_schema_copy(const struct ArrowSchema *src, struct ArrowSchema *dst);

#endif
