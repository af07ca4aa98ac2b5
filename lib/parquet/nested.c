/* nested.c — the schema plan for nested types and the Dremel walk that turns rows into levels. */
#include "nested.h"

#include <stdio.h>

static bool is_view(const char *f) { return !strcmp(f, "+vl") || !strcmp(f, "+vL"); }
static bool is_list(const char *f) { return !strcmp(f, "+l") || !strcmp(f, "+L") || !strncmp(f, "+w:", 3) || is_view(f); }
static bool is_nested(const char *f) { return f && (is_list(f) || !strcmp(f, "+s") || !strcmp(f, "+m")); }

typedef struct builder {
  blz_schema_plan *p;
  const blz_writer_options *opts;
  int caps, capl;
  blz_error *err;
} builder;

static int add_elem(builder *b, const char *name, int rep, int nchildren, int ann, int leaf) {
  if (b->p->nelems == b->caps) {
    int cap = b->caps ? b->caps * 2 : 16;
    blz_schema_elem *e = realloc(b->p->elems, (size_t)cap * sizeof *e);
    if (!e) return -1;
    b->p->elems = e;
    b->caps = cap;
  }
  blz_schema_elem *e = &b->p->elems[b->p->nelems];
  e->name = strdup(name ? name : "");
  if (!e->name) return -1;
  e->repetition = rep, e->num_children = nchildren, e->group_annotation = ann, e->leaf = leaf;
  return b->p->nelems++;
}

/* Walks field f. `path` holds the nodes above it and `names` their Parquet names. */
static blz_status walk(builder *b, const struct ArrowSchema *f, int top, const char *name, bool nullable,
                       blz_path_node *path, int depth, const char **names, int nnames, int def, int rep) {
  if (depth >= BLZ_MAX_NEST - 2 || nnames >= BLZ_MAX_NEST * 2 - 3)
    return blz_fail(b->err, BLZ_ENOTSUP, "column %s: nested deeper than %d levels", names[0], BLZ_MAX_NEST - 2);
  names[nnames++] = name;
  const char *fmt = f->format ? f->format : "";
  if (!f->dictionary && is_nested(fmt)) {
    blz_path_node n = {0};
    n.nullable = nullable;
    int d = def + (nullable ? 1 : 0);
    if (!strcmp(fmt, "+s")) {
      if (f->n_children < 1 || !f->children)
        return blz_fail(b->err, BLZ_ENOTSUP, "column %s: a struct without fields has no Parquet form", names[0]);
      if (add_elem(b, name, nullable ? 1 : 0, (int)f->n_children, 0, -1) < 0) return blz_fail(b->err, BLZ_ENOMEM, "out of memory");
      n.kind = NODE_STRUCT;
      for (int64_t i = 0; i < f->n_children; i++) {
        n.child = (int)i;
        path[depth] = n;
        const struct ArrowSchema *c = f->children[i];
        BLZ_TRY(walk(b, c, top, c->name, (c->flags & ARROW_FLAG_NULLABLE) != 0, path, depth + 1, names, nnames, d, rep));
      }
      return BLZ_OK;
    }
    if (f->n_children != 1 || !f->children || !f->children[0])
      return blz_fail(b->err, BLZ_EINVAL, "column %s: a list or map needs one child", names[0]);
    const struct ArrowSchema *c = f->children[0];
    n.rep = rep + 1;
    if (!strcmp(fmt, "+m")) {
      /* MAP: repeated key_value group of a required key and a value */
      if (!c->format || strcmp(c->format, "+s") || c->n_children != 2)
        return blz_fail(b->err, BLZ_EINVAL, "column %s: a map's child must be a struct of key and value", names[0]);
      if (add_elem(b, name, nullable ? 1 : 0, 1, 1, -1) < 0 || add_elem(b, "key_value", 2, 2, 0, -1) < 0)
        return blz_fail(b->err, BLZ_ENOMEM, "out of memory");
      n.kind = NODE_LIST32;
      path[depth] = n;
      names[nnames++] = "key_value";
      blz_path_node entries = {0};
      entries.kind = NODE_STRUCT;
      for (int k = 0; k < 2; k++) {
        entries.child = k;
        path[depth + 1] = entries;
        const struct ArrowSchema *kv = c->children[k];
        BLZ_TRY(walk(b, kv, top, k == 0 ? "key" : "value", k == 0 ? false : (kv->flags & ARROW_FLAG_NULLABLE) != 0,
                     path, depth + 2, names, nnames, d + 1, rep + 1));
      }
      return BLZ_OK;
    }
    /* LIST: <name> (LIST) { repeated group list { <element> } } */
    if (add_elem(b, name, nullable ? 1 : 0, 1, 3, -1) < 0 || add_elem(b, "list", 2, 1, 0, -1) < 0)
      return blz_fail(b->err, BLZ_ENOMEM, "out of memory");
    /* a list view is a list whose rows may point anywhere in the child, in any order, even
     * overlapping: the walk follows each row's (offset, size), so Parquet gets plain lists */
    n.kind = !strcmp(fmt, "+l") ? NODE_LIST32 : !strcmp(fmt, "+L") ? NODE_LIST64 : !strcmp(fmt, "+vl") ? NODE_VIEW32
           : !strcmp(fmt, "+vL") ? NODE_VIEW64 : NODE_FSL;
    if (n.kind == NODE_FSL) {
      n.size = strtoll(fmt + 3, NULL, 10);
      if (n.size < 0) return blz_fail(b->err, BLZ_EINVAL, "column %s: bad fixed size list '%s'", names[0], fmt);
    }
    path[depth] = n;
    names[nnames++] = "list";
    return walk(b, c, top, "element", (c->flags & ARROW_FLAG_NULLABLE) != 0, path, depth + 1, names, nnames, d + 1,
                rep + 1);
  }
  /* a leaf */
  if (b->p->nleaves == b->capl) {
    int cap = b->capl ? b->capl * 2 : 16;
    blz_column *l = realloc(b->p->leaves, (size_t)cap * sizeof *l);
    if (!l) return blz_fail(b->err, BLZ_ENOMEM, "out of memory");
    b->p->leaves = l;
    b->capl = cap;
  }
  int li = b->p->nleaves;
  blz_leaf_path *lp = NULL;
  if (depth > 0) {
    lp = calloc(1, sizeof *lp);
    if (!lp) return blz_fail(b->err, BLZ_ENOMEM, "out of memory");
    lp->depth = depth;
    memcpy(lp->nodes, path, (size_t)depth * sizeof *path);
    lp->names = calloc((size_t)nnames, sizeof *lp->names);
    if (!lp->names) {
      free(lp);
      return blz_fail(b->err, BLZ_ENOMEM, "out of memory");
    }
    lp->nnames = nnames;
    for (int i = 0; i < nnames; i++) lp->names[i] = strdup(names[i] ? names[i] : "");
  }
  bool leaf_nullable = nullable || (f->format && !strcmp(f->format, "n"));
  blz_status st = blz_column_init(&b->p->leaves[li], f, top, lp, def + (leaf_nullable ? 1 : 0), rep, leaf_nullable,
                                  b->opts, b->err);
  b->p->nleaves++; /* initialised or not, it is freed with the plan */
  if (st) {
    if (depth > 0) blz_error_prefix(b->err, "in column %s", names[0]);
    return st;
  }
  if (add_elem(b, name, leaf_nullable ? 1 : 0, 0, 0, li) < 0) return blz_fail(b->err, BLZ_ENOMEM, "out of memory");
  return BLZ_OK;
}

blz_status blz_schema_plan_build(const struct ArrowSchema *schema, const blz_writer_options *opts,
                                 blz_schema_plan *plan, blz_error *err) {
  memset(plan, 0, sizeof *plan);
  builder b = {plan, opts, 0, 0, err};
  blz_path_node path[BLZ_MAX_NEST];
  const char *names[BLZ_MAX_NEST * 2];
  for (int64_t i = 0; i < schema->n_children; i++) {
    const struct ArrowSchema *f = schema->children[i];
    if (!f) return blz_fail(err, BLZ_EINVAL, "schema child %lld is NULL", (long long)i);
    BLZ_TRY(walk(&b, f, (int)i, f->name ? f->name : "", (f->flags & ARROW_FLAG_NULLABLE) != 0, path, 0, names, 0, 0, 0));
  }
  return BLZ_OK;
}

void blz_schema_plan_free(blz_schema_plan *plan) {
  for (int i = 0; i < plan->nelems; i++) free(plan->elems[i].name);
  free(plan->elems);
  for (int i = 0; i < plan->nleaves; i++) blz_column_free(&plan->leaves[i]);
  free(plan->leaves);
  memset(plan, 0, sizeof *plan);
}

blz_status blz_check_nested(const struct ArrowSchema *field, const struct ArrowArray *a, int64_t need,
                            const char *name, blz_error *err) {
  const char *fmt = field->format ? field->format : "";
  if (!a || !a->release) return blz_fail(err, BLZ_EINVAL, "column %s: array missing or released", name);
  if (a->length < need || a->offset < 0)
    return blz_fail(err, BLZ_EINVAL, "column %s: array of %lld rows (offset %lld), %lld needed", name,
                    (long long)a->length, (long long)a->offset, (long long)need);
  if (field->dictionary || !is_nested(fmt)) return BLZ_OK; /* leaves are checked when gathered */
  if (!a->buffers || a->n_buffers < 1) return blz_fail(err, BLZ_EINVAL, "column %s: no buffers", name);
  if (a->null_count > 0 && !a->buffers[0]) return blz_fail(err, BLZ_EINVAL, "column %s: nulls without a validity bitmap", name);
  if (a->n_children != field->n_children || (a->n_children > 0 && !a->children))
    return blz_fail(err, BLZ_EINVAL, "column %s: %lld child arrays, the type has %lld", name, (long long)a->n_children,
                    (long long)field->n_children);
  if (!strcmp(fmt, "+s")) {
    for (int64_t i = 0; i < a->n_children; i++)
      BLZ_TRY(blz_check_nested(field->children[i], a->children[i], a->offset + need, name, err));
    return BLZ_OK;
  }
  const struct ArrowArray *c = a->children[0];
  int64_t child_need;
  if (is_view(fmt)) { /* every valid row's view must lie inside the child */
    bool wide = !strcmp(fmt, "+vL");
    if (a->n_buffers < 3 || ((!a->buffers[1] || !a->buffers[2]) && need > 0))
      return blz_fail(err, BLZ_EINVAL, "column %s: list view offsets or sizes missing", name);
    child_need = 0;
    for (int64_t i = a->offset; i < a->offset + need; i++) {
      if (!blz_valid(a, i)) continue;
      int64_t o = wide ? ((const int64_t *)a->buffers[1])[i] : ((const int32_t *)a->buffers[1])[i];
      int64_t n = wide ? ((const int64_t *)a->buffers[2])[i] : ((const int32_t *)a->buffers[2])[i];
      if (o < 0 || n < 0 || o > INT64_MAX - n)
        return blz_fail(err, BLZ_EINVAL, "column %s: row %lld: list view offset %lld size %lld", name,
                        (long long)(i - a->offset), (long long)o, (long long)n);
      if (o + n > child_need) child_need = o + n;
    }
  } else if (!strncmp(fmt, "+w:", 3)) {
    child_need = (a->offset + need) * strtoll(fmt + 3, NULL, 10);
  } else {
    if (a->n_buffers < 2 || (!a->buffers[1] && need > 0)) return blz_fail(err, BLZ_EINVAL, "column %s: list offsets missing", name);
    child_need = 0;
    if (need > 0) {
      int64_t lo = a->offset, hi = a->offset + need;
      int64_t first = !strcmp(fmt, "+L") ? ((const int64_t *)a->buffers[1])[lo] : ((const int32_t *)a->buffers[1])[lo];
      int64_t last = !strcmp(fmt, "+L") ? ((const int64_t *)a->buffers[1])[hi] : ((const int32_t *)a->buffers[1])[hi];
      if (first < 0 || last < first) return blz_fail(err, BLZ_EINVAL, "column %s: list offsets out of order", name);
      child_need = last;
    }
  }
  /* child_need counts logical positions; the child's own length must cover them */
  return blz_check_nested(field->children[0], c, child_need, name, err);
}
