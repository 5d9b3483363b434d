//! A small orders service that gives its plugins an API of its own: a read API
//! (`orders.get`, `orders.list`, under `"orders:read"`) and a write API (`orders.create`,
//! under `"orders:write"`), over an in-memory store. It writes the API's TypeScript types
//! next to the plugin, loads `examples/plugins/orders`, and asks it for work.
//!
//! `cargo run --example orders_host`

use std::collections::BTreeMap;
use std::sync::Arc;

use parking_lot::Mutex;
use qirvo::{HostApi, HostCallContext, HostError, PluginRuntime, RuntimeConfig, StorageKind};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
enum Status {
    Open,
    Shipped,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
struct Line {
    sku: String,
    qty: u32,
}

/// An order in the store.
#[derive(Debug, Clone, Serialize, JsonSchema)]
struct Order {
    id: u64,
    customer: String,
    status: Status,
    lines: Vec<Line>,
}

/// `orders.list`'s filter.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    /// Only orders in this state (default: all).
    status: Option<Status>,
}

/// `orders.create`'s argument.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct NewOrder {
    customer: String,
    lines: Vec<Line>,
}

#[derive(Default)]
struct Store {
    orders: BTreeMap<u64, Order>,
    next: u64,
}

fn api(store: Arc<Mutex<Store>>) -> Result<HostApi, qirvo::HostApiError> {
    let mut api = HostApi::new();
    api.permission("orders:read", "Read orders")?
        .permission("orders:write", "Create orders")?;
    let s = store.clone();
    // Cheap lookups: sync, on the plugin's thread.
    api.func(
        "orders.get",
        "orders:read",
        move |_ctx: &HostCallContext, (id,): (u64,)| {
            s.lock()
                .orders
                .get(&id)
                .cloned()
                .ok_or_else(|| HostError::NotFound(format!("no order {id}")))
        },
    )?;
    let s = store.clone();
    api.func(
        "orders.list",
        "orders:read",
        move |_ctx: &HostCallContext, q: ListQuery| {
            Ok(s.lock()
                .orders
                .values()
                .filter(|o| q.status.is_none_or(|st| o.status == st))
                .cloned()
                .collect::<Vec<_>>())
        },
    )?;
    // A write: async, on the host's runtime (where a real service would await its database).
    let s = store;
    api.func_async(
        "orders.create",
        "orders:write",
        move |ctx: HostCallContext, new: NewOrder| {
            let s = s.clone();
            async move {
                if new.lines.is_empty() || new.lines.iter().any(|l| l.qty == 0) {
                    return Err(HostError::InvalidArgument(
                        "an order needs lines with a quantity".into(),
                    ));
                }
                tokio::task::yield_now().await;
                let mut st = s.lock();
                st.next += 1;
                let order = Order {
                    id: st.next,
                    customer: format!("{} (via {})", new.customer, ctx.plugin_id()),
                    status: Status::Open,
                    lines: new.lines,
                };
                st.orders.insert(order.id, order.clone());
                Ok(order)
            }
        },
    )?;
    Ok(api)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let store = Arc::new(Mutex::new(Store::default()));
    {
        let mut st = store.lock();
        for (customer, status, lines) in [
            ("ada", Status::Open, vec![("pen", 3), ("ink", 1)]),
            ("grace", Status::Open, vec![("pen", 4)]),
            ("alan", Status::Shipped, vec![("nib", 9)]),
        ] {
            st.next += 1;
            let id = st.next;
            let lines = lines
                .into_iter()
                .map(|(sku, qty)| Line {
                    sku: sku.into(),
                    qty,
                })
                .collect();
            st.orders.insert(
                id,
                Order {
                    id,
                    customer: customer.into(),
                    status,
                    lines,
                },
            );
        }
    }
    let runtime = PluginRuntime::new(RuntimeConfig {
        storage: StorageKind::Memory,
        host_api: api(store.clone())?,
        ..RuntimeConfig::default()
    })?;

    // The plugin's authors get the API's types.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/plugins/orders");
    std::fs::write(dir.join("host-api.d.ts"), runtime.host_api_typescript())?;

    let plugin = runtime.load(&dir).await?;
    plugin.start().await?;
    let demand: BTreeMap<String, u32> = plugin.call_typed("demand", ()).await?;
    println!("demand: {demand:?}");
    assert_eq!(demand.get("pen"), Some(&7));
    let restock: Option<u64> = plugin.call_typed("restock", (5,)).await?;
    println!("restock order: {restock:?}");
    let id = restock.ok_or("expected a restock order")?;
    assert!(store.lock().orders.contains_key(&id));
    let line: String = plugin.call_typed("describe", (id,)).await?;
    println!("{line}");
    let missing: String = plugin.call_typed("describe", (99,)).await?;
    println!("{missing}");
    assert_eq!(missing, "no order #99");
    for m in runtime.host_api().metrics() {
        println!(
            "{} {}: {} calls, errors {:?}",
            m.plugin, m.function, m.calls, m.errors
        );
    }
    plugin.unload().await?;
    Ok(())
}
