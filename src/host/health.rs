//! Health checks: every plugin is checked on an interval (and on demand): memory above
//! 90% of its limit, CPU above 80% of its share, and its own `healthCheck()` (false, a
//! throw or a timeout all count). Each result is kept in a short history; a change of
//! health is logged and emitted on the event bus as `plugin.health.changed`.
//!
//! With a store over the network (fleet mode's PostgreSQL), the pass first probes it once;
//! while it cannot be reached every plugin's report carries a `storage:` issue (its
//! `qirvo.storage` calls fail with `Unavailable`), and the issue clears by itself when
//! the store answers again.

use std::time::SystemTime;

use crate::ext::events::bus::EventSource;
use crate::host::plugin::PluginHandle;
use crate::state::PluginState;

/// How many reports each plugin keeps.
pub const HEALTH_HISTORY: usize = 20;

pub use crate::state::HealthReport;

/// Checks one plugin now, records the report, and announces a change of health.
pub(crate) async fn check(
    handle: &PluginHandle,
    bus: &crate::ext::events::bus::Bus,
    storage: Option<&Result<(), String>>,
) -> HealthReport {
    let started = std::time::Instant::now();
    let mut issues = Vec::new();
    if let Some(Err(why)) = storage {
        issues.push(format!("storage: unreachable ({why})"));
    }
    match handle.state() {
        // Paused in a debugger: not unhealthy, and it cannot answer until it resumes.
        _ if handle.is_paused_in_debugger() => {}
        PluginState::Initialized | PluginState::Running => {
            let heap = handle.heap();
            if heap.limit.bytes() > 0 && heap.used.bytes() * 10 > heap.limit.bytes() * 9 {
                issues.push(format!(
                    "memory: heap at {} of its {} limit (over 90%)",
                    heap.used, heap.limit
                ));
            }
            let cpu = handle.cpu();
            let limit = handle.manifest().resources.cpu;
            if cpu.share > limit * 0.8 {
                issues.push(format!(
                    "cpu: {:.0}% of a core, over 80% of its {limit}% share",
                    cpu.share
                ));
            }
            if cpu.throttled {
                issues.push("cpu: throttled".into());
            }
            match handle.health_check().await {
                Ok(true) => {}
                Ok(false) => issues.push("healthCheck() returned false".into()),
                Err(e) => issues.push(format!("healthCheck() failed: {e}")),
            }
        }
        state => issues.push(format!("state: {state}")),
    }
    let report = HealthReport {
        healthy: issues.is_empty(),
        issues,
        checked_at: SystemTime::now(),
        took: started.elapsed(),
    };
    let previous = {
        let mut history = handle.shared.health.lock();
        let previous = history.back().map(|r| r.healthy);
        if history.len() == HEALTH_HISTORY {
            history.pop_front();
        }
        history.push_back(report.clone());
        previous
    };
    if previous != Some(report.healthy) && (previous.is_some() || !report.healthy) {
        let id = handle.id();
        if report.healthy {
            tracing::info!(target: "qirvo::health", plugin = %id, "healthy again");
        } else {
            tracing::warn!(target: "qirvo::health", plugin = %id, issues = ?report.issues, "unhealthy");
        }
        let payload =
            serde_json::json!({ "plugin": id, "healthy": report.healthy, "issues": report.issues });
        bus.publish(
            "plugin.health.changed",
            &payload.to_string(),
            &EventSource::Host,
        );
    }
    report
}
