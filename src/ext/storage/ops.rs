//! `qirvo.storage`: the plugin's own key/value store (always granted, always scoped).
//!
//! The store in `OpState` was opened for this plugin by the host; no op takes a plugin id
//! from JavaScript, so a plugin can only ever reach its own keys.

use std::sync::Arc;
use std::time::Instant;

use deno_core::serde_v8::U16String;
use deno_core::{JsBuffer, OpState, ToJsBuffer, op2};
use serde::Deserialize;

use crate::ext::storage::store::{Change, PluginStore, StorageError, Value};
use crate::manifest::ByteSize;

/// Longest key, in bytes.
const MAX_KEY: usize = 2048;
/// Most entries one `list` returns.
const MAX_LIST: usize = 1000;
/// Most changes in one batch (`set`, `delete`, `atomic().commit()`).
const MAX_BATCH: usize = 10_000;

pub(crate) struct StorageState {
    pub store: Box<dyn PluginStore>,
    pub quota: ByteSize,
    /// The running step's deadline, when one is armed (read from the plugin's watchdog
    /// target): a call to a store over the network gives up before it, so the plugin
    /// gets `Unavailable` in time to handle it rather than being killed for its timeout.
    pub step_deadline: StepDeadline,
}

/// Reads the running step's deadline; given by the plugin's thread.
pub(crate) type StepDeadline = Arc<dyn Fn() -> Option<Instant> + Send + Sync>;

impl StorageState {
    /// The store, told how long this call may wait.
    fn store(&mut self) -> &mut dyn PluginStore {
        let until = (self.step_deadline)();
        self.store.set_deadline(until);
        self.store.as_mut()
    }
}

#[derive(Debug, thiserror::Error, deno_error::JsError)]
pub(crate) enum StorageOpError {
    #[class("QuotaExceededError")]
    #[error("{0}")]
    Quota(String),
    #[class(type)]
    #[error("{0}")]
    Invalid(String),
    #[class(range)]
    #[error("{0}")]
    Range(String),
    #[class(generic)]
    #[error("{0}")]
    Backend(String),
    /// The store cannot be reached now (fleet mode's database down or too slow):
    /// `qirvo.errors.Unavailable` in the plugin; retrying later may work.
    #[class("Unavailable")]
    #[error("{0}")]
    Unavailable(String),
}

impl From<StorageError> for StorageOpError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::Quota { .. } => StorageOpError::Quota(e.to_string()),
            StorageError::Backend(m) => StorageOpError::Backend(m),
            StorageError::Unavailable(_) => StorageOpError::Unavailable(e.to_string()),
        }
    }
}

impl From<crate::ext::names::NameError> for StorageOpError {
    fn from(e: crate::ext::names::NameError) -> Self {
        StorageOpError::Invalid(e.0)
    }
}

/// A key from JS, exactly (a lone surrogate is refused, so distinct keys never collide),
/// non-empty and at most `MAX_KEY` bytes of UTF-8.
fn key_from(key: &U16String, what: &str) -> Result<String, StorageOpError> {
    // A UTF-16 unit is at most 3 bytes of UTF-8: refuse before copying what cannot fit.
    let key = crate::ext::names::exact(key, what, MAX_KEY)?;
    check_key(&key, what)?;
    Ok(key)
}

fn check_key(key: &str, what: &str) -> Result<(), StorageOpError> {
    if key.is_empty() {
        return Err(StorageOpError::Invalid(format!(
            "{what}: a storage key must not be empty"
        )));
    }
    if key.len() > MAX_KEY {
        return Err(StorageOpError::Invalid(format!(
            "{what}: a storage key is at most {MAX_KEY} bytes (this one is {})",
            key.len()
        )));
    }
    Ok(())
}

/// `[kind, bytes]`: kind 0 is JSON text (UTF-8), 1 is raw bytes.
type Stored = (u8, ToJsBuffer);

fn out(v: Value) -> Stored {
    match v {
        Value::Json(s) => (0, s.into_bytes().into()),
        Value::Bytes(b) => (1, b.into()),
    }
}

#[op2]
#[serde]
pub(crate) fn op_qirvo_storage_get(
    state: &mut OpState,
    #[serde] key: U16String,
) -> Result<Option<Stored>, StorageOpError> {
    let key = key_from(&key, "storage.get: key")?;
    let st = state.borrow_mut::<StorageState>();
    Ok(st.store().get(&key)?.map(out))
}

#[op2]
#[serde]
pub(crate) fn op_qirvo_storage_list(
    state: &mut OpState,
    #[serde] prefix: U16String,
    limit: f64,
) -> Result<Vec<(String, Stored)>, StorageOpError> {
    let prefix = crate::ext::names::exact(&prefix, "storage.list: prefix", MAX_KEY)?;
    if prefix.len() > MAX_KEY {
        return Err(StorageOpError::Invalid(format!(
            "storage.list: prefix is at most {MAX_KEY} bytes (this one is {})",
            prefix.len()
        )));
    }
    // A whole number of entries, 0 or more; more than MAX_LIST is MAX_LIST.
    if !(limit.is_finite() && limit >= 0.0 && limit.fract() == 0.0) {
        return Err(StorageOpError::Range(format!(
            "storage.list: limit must be a whole number of entries, 0 or more (got {limit})"
        )));
    }
    let limit = if limit >= MAX_LIST as f64 {
        MAX_LIST
    } else {
        limit as usize
    };
    let st = state.borrow_mut::<StorageState>();
    Ok(st
        .store()
        .list(&prefix, limit)?
        .into_iter()
        .map(|(k, v)| (k, out(v)))
        .collect())
}

/// One change from JS: `{ op: "set", key, json }`, `{ op: "set", key, bytes }`,
/// `{ op: "delete", key }` or `{ op: "clear" }`. (A plain struct: serde's tagged enums
/// buffer their content, which loses typed arrays.)
#[derive(Deserialize)]
pub(crate) struct InChange {
    op: String,
    key: Option<U16String>,
    json: Option<String>,
    bytes: Option<JsBuffer>,
}

/// Applies a batch atomically: all of it, or (over quota, or on error) none of it.
#[op2]
pub(crate) fn op_qirvo_storage_apply(
    state: &mut OpState,
    #[serde] batch: Vec<InChange>,
) -> Result<(), StorageOpError> {
    if batch.len() > MAX_BATCH {
        return Err(StorageOpError::Range(format!(
            "storage: a batch has at most {MAX_BATCH} changes (this one has {})",
            batch.len()
        )));
    }
    let mut changes = Vec::with_capacity(batch.len());
    for c in batch {
        let what = format!("storage.{}: key", c.op);
        let key = || -> Result<String, StorageOpError> {
            let key = c
                .key
                .as_ref()
                .ok_or_else(|| StorageOpError::Invalid(format!("{what} is required")))?;
            key_from(key, &what)
        };
        changes.push(match c.op.as_str() {
            "set" => {
                let value = match (&c.json, &c.bytes) {
                    (Some(j), None) => Value::Json(j.clone()),
                    (None, Some(b)) => Value::Bytes(b.to_vec()),
                    _ => {
                        return Err(StorageOpError::Invalid(
                            "a value is JSON data or bytes".into(),
                        ));
                    }
                };
                Change::Set(key()?, value)
            }
            "delete" => Change::Delete(key()?),
            "clear" => Change::Clear,
            other => {
                return Err(StorageOpError::Invalid(format!(
                    "unknown storage change {other:?}"
                )));
            }
        });
    }
    // Files written with qirvo.fs share the quota.
    let files = crate::ext::fs::files_used(state);
    let st = state.borrow_mut::<StorageState>();
    let quota = ByteSize(st.quota.bytes().saturating_sub(files));
    // SECURITY (issue 17): a write refused over quota is reported.
    if let Err(e) = st.store().apply(&changes, quota) {
        let e = StorageOpError::from(e);
        if let StorageOpError::Quota(reason) = &e
            && let Some(s) = state.try_borrow::<crate::security::Reporter>()
        {
            let target = changes.iter().find_map(|c| match c {
                Change::Set(k, _) => Some(k.as_str()),
                _ => None,
            });
            s.denied(
                crate::security::Capability::Storage,
                "quota",
                "apply",
                target.unwrap_or(""),
                reason,
            );
        }
        return Err(e);
    }
    Ok(())
}

/// Bytes used: for a store shared by a fleet, as the store has it now.
#[op2(fast)]
#[number]
pub(crate) fn op_qirvo_storage_usage(state: &mut OpState) -> Result<u64, StorageOpError> {
    Ok(state.borrow_mut::<StorageState>().store().fresh_usage()?)
}

deno_core::extension!(
    qirvo_storage,
    ops = [op_qirvo_storage_get, op_qirvo_storage_list, op_qirvo_storage_apply, op_qirvo_storage_usage],
    options = { storage: StorageState },
    state = |state, options| {
        state.put(options.storage);
    },
);
