/* dict.h — the per-chunk dictionary: value → index, entries kept PLAIN-encoded for the dictionary page. */
#ifndef BLZ_DICT_H
#define BLZ_DICT_H

#include "../common/blz_common.h"

/* A BYTE_ARRAY value borrowed from an Arrow buffer for the duration of one write call. */
typedef struct blz_bytes_ref {
  const uint8_t *p;
  uint32_t len;
} blz_bytes_ref;

/* One slot of the open-addressing index. For values of up to 8 bytes `key` is the value itself;
 * for byte arrays of up to 7 bytes it is the bytes with the length in the top byte (so a match
 * needs no look at the entry); longer values keep their first 8 bytes and a 32-bit hash in `tag`
 * and are confirmed against the entry. `id` is the entry + 1 (0: empty). */
typedef struct blz_dict_slot {
  uint64_t key;
  uint32_t id;
  uint32_t tag;
} blz_dict_slot;

typedef struct blz_dict {
  int width;              /* bytes per fixed-width value; 0 for byte arrays */
  uint32_t count;         /* entries */
  blz_buf data;           /* entries PLAIN-encoded back to back: the dictionary page body */
  blz_dict_slot *slots;
  uint32_t nslots;        /* a power of two, at least twice count (4/3 near page_limit) */
  int64_t page_limit;     /* the dictionary page size limit the column falls back at; 0: none */
  /* integers of 4 or 8 bytes whose first values lie close together: entry + 1 of the value
   * lo + k in direct[k] (k < DIRECT_SPAN), a lookup without hashing; values outside go to slots */
  uint32_t *direct;
  int64_t lo;
  bool direct_tried;      /* the range of this chunk's first values has been looked at */
  uint32_t *off, *len;    /* byte arrays: where each entry's bytes start in data, their length */
  uint32_t cap;           /* entries off/len have room for */
  /* byte arrays: the entries the open page uses, for its statistics (cheaper than comparing
   * every value) */
  uint32_t *epoch, page_epoch;
  blz_buf page_used;
  /* while the chunk's dictionary is judged (blz_dict_tally): how often each entry was seen, up to
   * 3, and how many entries were seen exactly once and exactly twice */
  uint8_t *hits;
  size_t hits_cap;
  int64_t once, twice;
} blz_dict;

/* For a dictionary-encoded Arrow column: Arrow dictionary index -> our entry, so each distinct
 * Arrow entry is hashed once per write call (and per chunk) instead of once per row. An entry is
 * valid while stamp[j] == epoch; bumping epoch forgets them all (a new call may bring a new
 * Arrow dictionary; a new chunk starts an empty dictionary of ours). */
typedef struct blz_dict_map {
  uint32_t *id;
  uint64_t *stamp;
  size_t cap;
  uint64_t epoch; /* starts at 1: calloc'd stamps are invalid */
  /* Arrow entries whose UTF-8 was checked in this call (== checked_epoch): once per entry */
  uint64_t *checked;
  uint64_t checked_epoch;
} blz_dict_map;
/* Room for Arrow dictionary indices 0..n-1. */
bool blz_dict_map_reserve(blz_dict_map *m, size_t n);
void blz_dict_map_free(blz_dict_map *m);

/* Prepares an empty dictionary for values of `width` bytes (0: byte arrays as blz_bytes_ref). */
void blz_dict_init(blz_dict *d, int width);
/* Writes the dictionary index of each of the n dense values to out[0..n), adding new entries.
 * Returns false on allocation failure. */
bool blz_dict_encode(blz_dict *d, const void *dense, size_t n, uint32_t *out);
/* As blz_dict_encode, for values that came from an Arrow dictionary: src[i] is value i's Arrow
 * dictionary index, looked up in m first; the same entries, in the same order, as hashing every
 * value would give. */
bool blz_dict_encode_mapped(blz_dict *d, const void *dense, const uint32_t *src, size_t n, blz_dict_map *m,
                            uint32_t *out);
/* Byte arrays: replaces *refs with the entries the open page used (as blz_bytes_ref pointing into
 * the dictionary) and starts a new page's set. Fixed widths: leaves refs empty. */
bool blz_dict_take_page_used(blz_dict *d, blz_buf *refs);
/* Appends the PLAIN encoding of entries idx[0..n) to out (the values the indices stand for). */
bool blz_dict_to_plain(const blz_dict *d, const uint32_t *idx, size_t n, blz_buf *out);
/* Bytes the values idx[0..n) take PLAIN-encoded. */
int64_t blz_dict_plain_size(const blz_dict *d, const uint32_t *idx, size_t n);
/* Bytes of memory the dictionary holds (entries, index, direct table, page set). */
int64_t blz_dict_memory(const blz_dict *d);
/* Counts entries idx[0..n) (as blz_dict_encode just returned them) towards once and twice, for
 * blz_dict_predicted_ratio. Returns false on allocation failure. */
bool blz_dict_tally(blz_dict *d, const uint32_t *idx, size_t n);
/* Predicted (dictionary + bit-packed indices) / PLAIN bytes of a page of page_n values, from its
 * first n values: `distinct` of them, `once` seen once and `twice` twice; entries of entry_bytes,
 * PLAIN values of plain_bytes each. The distinct values of page_n draws are extrapolated as
 * species counts are (Chao et al. 2014, Ecological Monographs 84: the unseen ones estimated at
 * once^2 / 2 twice, a lower bound, with `twice` raised to the top of its Poisson range), which errs
 * low: towards a dictionary that pays. Values seen once keep coming (distinct messages) or thin
 * out (a few thousand values drawn again and again), and the extrapolation follows either. */
double blz_dict_predicted_ratio(int64_t n, int64_t distinct, int64_t once, int64_t twice, double page_n,
                                double entry_bytes, double plain_bytes);
/* Forgets every entry, keeping the memory for the next chunk. */
void blz_dict_clear(blz_dict *d);
void blz_dict_free(blz_dict *d);

#endif
