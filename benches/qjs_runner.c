// A minimal QuickJS-ng runner for benches/poll-cost.sh: runs one script file the way v8x
// runs plugin code (an interrupt handler installed, blocking allowed, the job queue
// drained), so the cost of the interrupt polls is measured as Qirvo pays it, without the
// rest of the engine. Globals: print(...), now() (monotonic ms).
//   qjs_runner [-t deadline_ms] file.js
// With -t, a watchdog thread asks the handler to stop after the deadline, and the runner
// prints when eval and the job queue returned.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>
#include "quickjs.h"

static atomic_int stop_flag;
static long timeout_ms = -1;
static double t0;

static double now_ms(void) {
    struct timespec ts; clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}
static int handler(JSRuntime *rt, void *op) { return atomic_load_explicit(&stop_flag, memory_order_acquire); }
static void *watchdog(void *arg) {
    usleep(timeout_ms * 1000);
    atomic_store(&stop_flag, 1);
    return NULL;
}
static JSValue js_print(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    for (int i = 0; i < argc; i++) {
        const char *s = JS_ToCString(ctx, argv[i]);
        if (!s) return JS_EXCEPTION;
        fputs(s, stdout); if (i + 1 < argc) fputc(' ', stdout);
        JS_FreeCString(ctx, s);
    }
    fputc('\n', stdout); fflush(stdout);
    return JS_UNDEFINED;
}
static JSValue js_now(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    return JS_NewFloat64(ctx, now_ms());
}
static void report_exc(JSContext *ctx, const char *where) {
    JSValue e = JS_GetException(ctx);
    const char *s = JS_ToCString(ctx, e);
    printf("%s: exception: %s\n", where, s ? s : "?");
    if (s) JS_FreeCString(ctx, s);
    JS_FreeValue(ctx, e);
}
int main(int argc, char **argv) {
    int ai = 1;
    if (argc > 2 && !strcmp(argv[1], "-t")) { timeout_ms = atol(argv[2]); ai = 3; }
    if (ai >= argc) { fprintf(stderr, "usage: qjs_runner [-t ms] file.js | -e code\n"); return 2; }
    char *src; size_t len;
    const char *name = argv[ai];
    if (!strcmp(argv[ai], "-e")) { src = strdup(argv[ai + 1]); len = strlen(src); name = "<eval>"; }
    else {
        FILE *f = fopen(argv[ai], "rb"); if (!f) { perror(argv[ai]); return 2; }
        fseek(f, 0, SEEK_END); len = ftell(f); fseek(f, 0, SEEK_SET);
        src = malloc(len + 1); if (fread(src, 1, len, f) != len) return 2; src[len] = 0; fclose(f);
    }
    JSRuntime *rt = JS_NewRuntime();
    JS_SetCanBlock(rt, 1);
    JS_SetInterruptHandler(rt, handler, NULL);
    JSContext *ctx = JS_NewContext(rt);
    JSValue g = JS_GetGlobalObject(ctx);
    JS_SetPropertyStr(ctx, g, "print", JS_NewCFunction(ctx, js_print, "print", 1));
    JS_SetPropertyStr(ctx, g, "now", JS_NewCFunction(ctx, js_now, "now", 0));
    JS_FreeValue(ctx, g);
    pthread_t th;
    t0 = now_ms();
    if (timeout_ms >= 0) pthread_create(&th, NULL, watchdog, NULL);
    JSValue r = JS_Eval(ctx, src, len, name, JS_EVAL_TYPE_GLOBAL);
    int rc = 0;
    if (JS_IsException(r)) { report_exc(ctx, "eval"); rc = 1; }
    JS_FreeValue(ctx, r);
    double t_eval = now_ms() - t0;
    JS_RunGC(rt);
    long jobs = 0, failed = 0;
    for (;;) {
        JSContext *pctx;
        int e = JS_ExecutePendingJob(rt, &pctx);
        if (e == 0) break;
        jobs++;
        if (e < 0) { failed++; JSValue ex = JS_GetException(pctx); JS_FreeValue(pctx, ex); }
    }
    double t_all = now_ms() - t0;
    if (timeout_ms >= 0)
        printf("returned: eval %.0f ms, after jobs %.0f ms (deadline %ld ms), jobs %ld failed %ld\n", t_eval, t_all, timeout_ms, jobs, failed);
    JS_FreeContext(ctx);
    JS_FreeRuntime(rt);
    return rc;
}

// Callbacks v8x's quickjs.c makes into its Rust side; unused here.
void v82jsc_coverage_function(const void *k, const char *f, const char *fn, const char *s, size_t l, int a, int b) {}
void v82jsc_coverage_location(const void *k, int a, int b) {}
void v82jsc_coverage_hit(const void *k, uint32_t pc, int a, int b) {}
void v82jsc_coverage_range(const void *k, uint32_t a, uint32_t b) {}
void v82jsc_coverage_range_hit(const void *k, uint32_t a, uint32_t b) {}
void v82jsc_coverage_function_hit(const void *k) {}
void v82jsc_debugger_statement(void) {}
JSValue v82jsc_throw_type_error_not_a_function_at(JSContext *ctx, const char *f, int l, int c) { return JS_ThrowTypeError(ctx, "not a function"); }
int v82jsc_locale_compare_utf32(const uint32_t *a, int an, const uint32_t *b, int bn, int numeric) {
    for (int i = 0; i < an && i < bn; i++) if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
    return an < bn ? -1 : an > bn;
}
int v82jsc_snapshot_write_host_object(JSContext *ctx, JSValueConst o, uint8_t *buf, size_t *size) { return -1; }
int v82jsc_snapshot_read_host_object(JSContext *ctx, const uint8_t *buf, size_t size, JSValue *o) { return -1; }
bool v82jsc_snapshot_host_object_has_prototype(JSValueConst o) { return false; }
