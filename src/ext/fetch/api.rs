//! The fetch API's JavaScript, the same for every plugin and so in the startup snapshot:
//! `Headers`, `Request`, `Response` and `FormData` are deno_fetch's own classes
//! (`js/deno_fetch/`, deno_fetch 0.284.0's JS, the release built on deno_core 0.413, with
//! the patches its README lists), and `js/fetch.js` is our `fetch()` over the reqwest
//! transport and policy of [`super::ops`].
//!
//! The `deno_fetch` crate itself is not a dependency: its Rust side brings 54 more crates
//! (deno_fs, deno_io, deno_permissions, deno_tls, hickory, aws-lc-sys, brotli, rayon, ...)
//! and its `fetch` wants deno_net and deno_telemetry in JS; of it we need only the
//! classes, which use no op of theirs. The extension below carries them under the
//! specifiers deno_fetch gives them (`ext:deno_fetch/...`), so nothing else may be named
//! `deno_fetch`.

deno_core::extension!(
    deno_fetch,
    deps = [deno_webidl, deno_web],
    lazy_loaded_js = [
        dir "js/deno_fetch",
        "20_headers.js",
        "21_formdata.js",
        "22_body.js",
        "23_request.js",
        "23_response.js",
    ],
);

deno_core::extension!(
    qirvo_fetch_api,
    deps = [deno_webidl, deno_web, deno_fetch, qirvo_web],
    esm_entry_point = "ext:qirvo_fetch_api/fetch.js",
    esm = [dir "js", "fetch.js"],
);
